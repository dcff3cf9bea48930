package io.skydeck.platform.security;

import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.Claims;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifiedTokensTest {

    /** Counts verifications; a token "bad…" fails, any other expires at the second it names after the colon. */
    static final class CountingVerifier extends JWTCallerPrincipalFactory {
        final List<String> verified = new ArrayList<>();

        @Override
        public JWTCallerPrincipal parse(String token, JWTAuthContextInfo context) throws ParseException {
            verified.add(token);
            if (token.startsWith("bad")) {
                throw new ParseException("signature does not verify");
            }
            var claims = new JwtClaims();
            claims.setSubject(token);
            claims.setExpirationTime(NumericDate.fromSeconds(Long.parseLong(token.substring(token.indexOf(':') + 1))));
            return new DefaultJWTCallerPrincipal(claims);
        }
    }

    private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_000));
    private final CountingVerifier verifier = new CountingVerifier();
    private final VerifiedTokens tokens = new VerifiedTokens(verifier, clock);
    private final JWTAuthContextInfo context = new JWTAuthContextInfo();

    @Test
    void aTokenIsVerifiedOnceAndTheSamePrincipalServesItUntilItExpires() throws Exception {
        JWTCallerPrincipal first = tokens.parse("alice:1060", context);
        clock.now = Instant.ofEpochSecond(1_059);
        JWTCallerPrincipal again = tokens.parse("alice:1060", context);

        assertThat(again).isSameAs(first);
        assertThat(verifier.verified).containsExactly("alice:1060");

        clock.now = Instant.ofEpochSecond(1_060);
        tokens.parse("alice:1060", context);
        assertThat(verifier.verified).containsExactly("alice:1060", "alice:1060");
    }

    @Test
    void aTokenThatFailsIsVerifiedAgainEveryTimeAndNeverRemembered() {
        assertThatThrownBy(() -> tokens.parse("bad:2000", context)).isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> tokens.parse("bad:2000", context)).isInstanceOf(ParseException.class);

        assertThat(verifier.verified).containsExactly("bad:2000", "bad:2000");
        assertThat(tokens.remembered()).isZero();
    }

    @Test
    void pastItsBoundExpiredTokensGoFirstAndTheCacheNeverGrowsBeyondIt() throws Exception {
        tokens.parse("old:1001", context);
        for (int i = 1; i < VerifiedTokens.MAX_TOKENS; i++) {
            tokens.parse("t" + i + ":5000", context);
        }
        assertThat(tokens.remembered()).isEqualTo(VerifiedTokens.MAX_TOKENS);

        clock.now = Instant.ofEpochSecond(1_002); // "old" has expired
        tokens.parse("new:5000", context);
        assertThat(tokens.remembered()).isEqualTo(VerifiedTokens.MAX_TOKENS);
        int before = verifier.verified.size();
        tokens.parse("t1:5000", context);
        assertThat(verifier.verified).hasSize(before); // still remembered: only the expired one went

        tokens.parse("another:5000", context); // full of live tokens: all of them go
        assertThat(tokens.remembered()).isEqualTo(1);
    }

    /** Counts the reads of the tenant claim (SmallRye's lookup of a claim of our own throws inside). */
    static final class CountingPrincipal extends DefaultJWTCallerPrincipal {
        int tenantReads;

        CountingPrincipal(JwtClaims claims) {
            super(claims);
        }

        @Override
        public <T> T getClaim(String claimName) {
            if (TokenMinter.TENANT_CLAIM.equals(claimName)) {
                tenantReads++;
            }
            return super.getClaim(claimName);
        }
    }

    private static JwtClaims tenantClaims(String token, String tenant) {
        var claims = new JwtClaims();
        claims.setSubject("t");
        claims.setExpirationTime(NumericDate.fromSeconds(5_000));
        claims.setClaim(Claims.raw_token.name(), token);
        claims.setClaim(TokenMinter.TENANT_CLAIM, tenant);
        return claims;
    }

    @Test
    void theTenantOfARememberedTokenIsReadOnceWhenItIsVerifiedAndAnyOtherPrincipalIsReadItself() throws Exception {
        UUID tenant = UUID.randomUUID();
        var principals = new ArrayList<CountingPrincipal>();
        var remembering = new VerifiedTokens(new JWTCallerPrincipalFactory() {
            @Override
            public JWTCallerPrincipal parse(String token, JWTAuthContextInfo context) {
                var p = new CountingPrincipal(tenantClaims(token, token.startsWith("bad-claim") ? "not-a-uuid" : tenant.toString()));
                principals.add(p);
                return p;
            }
        }, clock);

        JWTCallerPrincipal verified = remembering.parse("tok-1", context);
        for (int i = 0; i < 5; i++) {
            assertThat(remembering.tenantOf(verified)).contains(tenant);
        }
        assertThat(principals.get(0).tenantReads).isEqualTo(1);

        // The same token in a principal this bean did not hand out: its own claims decide.
        UUID other = UUID.randomUUID();
        var stranger = new CountingPrincipal(tenantClaims("tok-1", other.toString()));
        assertThat(remembering.tenantOf(stranger)).contains(other);
        assertThat(stranger.tenantReads).isEqualTo(1);

        // A claim that is not a tenant id names no tenant.
        assertThat(remembering.tenantOf(remembering.parse("bad-claim", context))).isEmpty();
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
