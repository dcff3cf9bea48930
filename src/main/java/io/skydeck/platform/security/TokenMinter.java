package io.skydeck.platform.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Signs RS256 bearer tokens with Skydeck's local key, for the {@code token} command and
 * tests. Written without the SmallRye builder on purpose: that builder reads MicroProfile
 * Config, which would start the embedded database just to print a token.
 */
public final class TokenMinter {

    public static final String ISSUER = "https://skydeck.local/issuer";
    public static final String TENANT_CLAIM = "tenant_id";

    private final PrivateKey key;
    private final String issuer;

    public TokenMinter(PrivateKey key) {
        this(key, ISSUER);
    }

    public TokenMinter(PrivateKey key, String issuer) {
        this.key = key;
        this.issuer = issuer;
    }

    /**
     * @param subject  who the caller is (appears as the actor in the audit log)
     * @param role     one of {@link Roles#ALL}
     * @param tenantId the tenant a {@code tenant} token acts for; null for other roles
     */
    public String mint(String subject, String role, String tenantId, Instant now, Duration lifetime) {
        if (!Roles.ALL.contains(role)) {
            throw new IllegalArgumentException("unknown role '" + role + "'; expected one of " + Roles.ALL);
        }
        if (Roles.TENANT.equals(role) && (tenantId == null || tenantId.isBlank())) {
            throw new IllegalArgumentException("a tenant token needs a tenant id");
        }
        StringBuilder claims = new StringBuilder()
                .append("{\"iss\":").append(quote(issuer))
                .append(",\"sub\":").append(quote(subject))
                .append(",\"upn\":").append(quote(subject))
                .append(",\"groups\":[").append(quote(role)).append(']')
                .append(",\"iat\":").append(now.getEpochSecond())
                .append(",\"exp\":").append(now.plus(lifetime).getEpochSecond())
                .append(",\"jti\":").append(quote(UUID.randomUUID().toString()));
        if (tenantId != null && Roles.TENANT.equals(role)) {
            claims.append(",\"").append(TENANT_CLAIM).append("\":").append(quote(tenantId));
        }
        claims.append('}');
        String signingInput = base64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + base64(claims.toString());
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
