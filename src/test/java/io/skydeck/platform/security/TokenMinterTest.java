package io.skydeck.platform.security;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenMinterTest {

    @Test
    void aTenantTokenIsAnRs256JwtCarryingRoleAndTenant(@TempDir Path dir) throws Exception {
        SigningKeys keys = SigningKeys.in(dir).ensureExist();
        String token = new TokenMinter(keys.privateKey())
                .mint("ana@acme", Roles.TENANT, "5f0c1f8e-4b8e-4a43-9d4b-8a2c1c1d2e3f",
                        Instant.parse("2026-11-27T10:00:00Z"), Duration.ofHours(2));

        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"sub\":\"ana@acme\"", "\"groups\":[\"tenant\"]",
                "\"tenant_id\":\"5f0c1f8e-4b8e-4a43-9d4b-8a2c1c1d2e3f\"",
                "\"iat\":1795773600", "\"exp\":1795780800"); // 20,784 days * 86,400 s + 10 h; + 2 h

        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(publicKey(keys.publicKeyPem()));
        rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    @Test
    void keysAreMadeOnceAndTheSecretOneIsPrivate(@TempDir Path dir) throws Exception {
        SigningKeys keys = SigningKeys.in(dir).ensureExist();
        String first = Files.readString(keys.publicKeyPem());
        SigningKeys.in(dir).ensureExist();
        assertThat(Files.readString(keys.publicKeyPem())).isEqualTo(first);
        assertThat(Files.getPosixFilePermissions(keys.privateKeyPem()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void unknownRolesAndTenantTokensWithoutATenantAreRefused(@TempDir Path dir) {
        TokenMinter minter = new TokenMinter(SigningKeys.in(dir).ensureExist().privateKey());
        assertThatThrownBy(() -> minter.mint("x", "root", null, Instant.now(), Duration.ofHours(1)))
                .hasMessageContaining("unknown role");
        assertThatThrownBy(() -> minter.mint("x", Roles.TENANT, null, Instant.now(), Duration.ofHours(1)))
                .hasMessageContaining("tenant id");
    }

    private static PublicKey publicKey(Path pem) throws Exception {
        String body = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    }
}
