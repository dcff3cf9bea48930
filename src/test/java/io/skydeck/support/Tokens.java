package io.skydeck.support;

import io.skydeck.platform.security.Roles;
import io.skydeck.platform.security.SigningKeys;
import io.skydeck.platform.security.TokenMinter;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Bearer tokens for tests, signed with the key the service under test verifies against. */
public final class Tokens {

    private static final TokenMinter MINTER =
            new TokenMinter(SigningKeys.in(Path.of("target/skydeck-data/keys")).ensureExist().privateKey());

    private Tokens() {
    }

    public static String admin() {
        return bearer("admin@test", Roles.ADMIN, null);
    }

    public static String finance() {
        return bearer("finance@test", Roles.FINANCE, null);
    }

    public static String scheduler() {
        return bearer("scheduler@test", Roles.SCHEDULER, null);
    }

    public static String tenant(UUID tenantId) {
        return bearer("user@" + tenantId, Roles.TENANT, tenantId.toString());
    }

    public static String expired() {
        return "Bearer " + MINTER.mint("late@test", Roles.ADMIN, null, Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1));
    }

    private static String bearer(String subject, String role, String tenant) {
        return "Bearer " + MINTER.mint(subject, role, tenant, Instant.now(), Duration.ofHours(1));
    }
}
