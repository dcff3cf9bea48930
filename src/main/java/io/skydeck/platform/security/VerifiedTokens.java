package io.skydeck.platform.security;

import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies a bearer token once and remembers the result until the token expires. A client sends
 * the same token with every request; checking its RSA signature and parsing its claims each time
 * was an eighth of the CPU of a {@code GET /v1/servers}. A token is immutable and its signature
 * cannot start failing, so the remembered principal is exactly what verifying again would give —
 * except after the verification key changes, when tokens signed by the old key stay accepted
 * until they expire (or until {@link #MAX_TOKENS} other tokens push them out).
 *
 * <p>Only verified tokens are remembered: a token that fails is verified again (and fails again)
 * each time it is sent.
 *
 * <p>The tenant a token acts for is read here too, once per token ({@link #tenantOf}). SmallRye's
 * {@code getClaim} looks every name up in the {@code Claims} enum first, and for a claim of our own
 * ({@code tenant_id}) that throws and fills in an {@code IllegalArgumentException}'s stack trace:
 * three quarters of the CPU of the handler of a {@code GET /v1/servers} page, each time.
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class VerifiedTokens extends JWTCallerPrincipalFactory {

    /** Distinct live tokens remembered at most; past it, expired ones go first, then all of them. */
    static final int MAX_TOKENS = 4096;

    private final JWTCallerPrincipalFactory verifier;
    private final Clock clock;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

    /** A verified token's principal and the tenant it names, read once. */
    private record Verified(JWTCallerPrincipal principal, Optional<UUID> tenant) {
    }

    public VerifiedTokens() {
        this(new DefaultJWTCallerPrincipalFactory(), Clock.systemUTC());
    }

    VerifiedTokens(JWTCallerPrincipalFactory verifier, Clock clock) {
        this.verifier = verifier;
        this.clock = clock;
    }

    @Override
    public JWTCallerPrincipal parse(String token, JWTAuthContextInfo context) throws ParseException {
        Verified known = verified.get(token);
        if (known != null && live(known.principal())) {
            return known.principal();
        }
        JWTCallerPrincipal principal = verifier.parse(token, context);
        if (principal.getExpirationTime() > 0) { // a token without exp is verified every time
            if (verified.size() >= MAX_TOKENS) {
                verified.values().removeIf(v -> !live(v.principal()));
                if (verified.size() >= MAX_TOKENS) {
                    verified.clear();
                }
            }
            verified.put(token, new Verified(principal, tenantClaim(principal)));
        }
        return principal;
    }

    /**
     * The tenant {@code jwt} acts for: as read when this bean verified it, when it is the principal
     * this bean remembers for its token; read from the token otherwise (a principal made elsewhere).
     */
    public Optional<UUID> tenantOf(JsonWebToken jwt) {
        String raw = jwt.getRawToken(); // a standard claim: no enum miss
        Verified known = raw == null ? null : verified.get(raw);
        return known != null && known.principal() == jwt ? known.tenant() : tenantClaim(jwt);
    }

    /** The token's tenant claim as a tenant id; empty when it has none or not a UUID. */
    private static Optional<UUID> tenantClaim(JsonWebToken jwt) {
        Object claim = jwt.getClaim(TokenMinter.TENANT_CLAIM);
        if (claim == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(claim.toString().replace("\"", "")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Before its {@code exp}; after that the verifier decides again (with its own clock skew). */
    private boolean live(JWTCallerPrincipal principal) {
        return clock.millis() / 1000 < principal.getExpirationTime();
    }

    int remembered() {
        return verified.size();
    }
}
