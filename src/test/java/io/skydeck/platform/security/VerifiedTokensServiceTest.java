package io.skydeck.platform.security;

import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/** The service verifies bearer tokens through {@link VerifiedTokens}: a token used twice is remembered once. */
@QuarkusTest
class VerifiedTokensServiceTest {

    @Inject
    VerifiedTokens tokens;

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
