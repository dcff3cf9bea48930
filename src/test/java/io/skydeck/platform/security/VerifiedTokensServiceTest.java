package io.skydeck.platform.security;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/** The service verifies bearer tokens through {@link VerifiedTokens}: a token used twice is remembered once. */
@QuarkusTest
class VerifiedTokensServiceTest {

    @Inject
    VerifiedTokens tokens;

    @Inject
    JWTAuthContextInfo context;

    /** The service's own verifier keeps the raw token in the principal, so a request's tenant is the one read at verification. */
    @Test
    void aTenantTokensTenantIsRememberedWithItsPrincipal() throws Exception {
        UUID tenant = UUID.randomUUID();
        String bearer = Tokens.tenant(tenant).substring("Bearer ".length());
        JWTCallerPrincipal principal = tokens.parse(bearer, context);

        assertThat(principal.getRawToken()).isEqualTo(bearer);
        assertThat(tokens.parse(bearer, context)).isSameAs(principal);
        assertThat(tokens.tenantOf(principal)).contains(tenant);
        assertThat(tokens.tenantOf(tokens.parse(Tokens.admin().substring("Bearer ".length()), context))).isEmpty();
    }

    @Test
    void aTokenSentTwiceIsRememberedOnceAndAnExpiredOneIsStillRefused() {
        String admin = Tokens.admin();
        int before = tokens.remembered();

        as(admin).get("/v1/tenants").then().statusCode(200);
        as(admin).get("/v1/tenants").then().statusCode(200);

        assertThat(tokens.remembered()).isEqualTo(before + 1);
        String expired = Tokens.expired();
        as(expired).get("/v1/tenants").then().statusCode(401);
        as(expired).get("/v1/tenants").then().statusCode(401);
        assertThat(tokens.remembered()).isEqualTo(before + 1);
    }
}
