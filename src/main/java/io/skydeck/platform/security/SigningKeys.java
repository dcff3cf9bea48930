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

    /**
     * Creates the pair if it is not there yet; safe to call on every start, also from several
     * processes sharing one data directory at once: a new pair is written to a directory of its
     * own and renamed into place whole, so every process ends up with the same pair.
     */
    public SigningKeys ensureExist() {
        if (Files.exists(privateKeyPem) && Files.exists(publicKeyPem)) {
            return this;
        }
        Path directory = privateKeyPem.getParent();
        try {
            Files.createDirectories(directory.getParent());
            Path fresh = Files.createTempDirectory(directory.getParent(), directory.getFileName() + "-new-");
            KeyPair pair = generate();
            write(fresh.resolve(privateKeyPem.getFileName()), pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
            write(fresh.resolve(publicKeyPem.getFileName()), pem("PUBLIC KEY", pair.getPublic().getEncoded()), "rw-r--r--");
            try {
                Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException anotherWon) {
                // Another process renamed its pair into place first (or an old, partial directory is there).
                deleteQuietly(fresh);
                if (!Files.exists(privateKeyPem) || !Files.exists(publicKeyPem)) {
                    KeyPair replacement = generate();
                    writeAtomically(privateKeyPem, pem("PRIVATE KEY", replacement.getPrivate().getEncoded()), "rw-------");
                    writeAtomically(publicKeyPem, pem("PUBLIC KEY", replacement.getPublic().getEncoded()), "rw-r--r--");
                }
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write signing keys to " + directory, e);
        }
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    private static void write(Path file, String content, String permissions) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    private static void deleteQuietly(Path directory) {
        try (var files = Files.list(directory)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(directory);
        } catch (IOException ignored) {
            // a stray temporary directory beside the keys is harmless
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
