package io.skydeck.providers.e2e;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.skydeck.support.Api.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Artifact defects exist on the sandbox only: on a Skydeck without it (the AWS-only profile of
 * {@link AwsEndToEndTest}, so the two share one boot) every defect call is a 404 saying why.
 */
@QuarkusTest
@TestProfile(AwsEndToEndTest.AwsOnly.class)
class ArtifactDefectsWithoutSandboxTest {

    @Test
    void withoutTheSandboxEveryDefectCallIs404SayingWhy() {
        String path = "/v1/sandbox/artifact-defects/shop:bad";
        as(Tokens.admin()).get("/v1/sandbox/artifact-defects").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:not-found"))
                .body("detail", containsString("the sandbox provider is not enabled on this Skydeck"));
        as(Tokens.admin()).get(path).then().statusCode(404).body("detail", containsString("sandbox provider is not enabled"));
        as(Tokens.admin()).body(Map.of("failingPercent", 30)).put(path).then().statusCode(404)
                .body("detail", containsString("sandbox provider is not enabled"));
        as(Tokens.admin()).delete(path).then().statusCode(404).body("detail", containsString("sandbox provider is not enabled"));
    }
}
