package io.skydeck.platform.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The RSA key pair that signs and verifies Skydeck's own tokens on the embedded defaults.
 * Generated once under the data directory; production points SmallRye JWT at its issuer's
 * public key instead and never needs this.
 */
public record SigningKeys(Path privateKeyPem, Path publicKeyPem) {

    public static SigningKeys in(Path directory) {
        return new SigningKeys(directory.resolve("jwt-private.pem"), directory.resolve("jwt-public.pem"));
    }

    /** Creates the pair if it is not there yet; safe to call on every start. */
    public SigningKeys ensureExist() {
        if (Files.exists(privateKeyPem) && Files.exists(publicKeyPem)) {
            return this;
        }
        try {
            Files.createDirectories(privateKeyPem.getParent());
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            writeAtomically(privateKeyPem, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
            writeAtomically(publicKeyPem, pem("PUBLIC KEY", pair.getPublic().getEncoded()), "rw-r--r--");
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write signing keys to " + privateKeyPem.getParent(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    public PrivateKey privateKey() {
        try {
            String body = Files.readString(privateKeyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + privateKeyPem, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(privateKeyPem + " is not an RSA private key in PKCS#8 PEM", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writeAtomically(Path target, String content, String permissions) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.writeString(temp, content);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(permissions));
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
