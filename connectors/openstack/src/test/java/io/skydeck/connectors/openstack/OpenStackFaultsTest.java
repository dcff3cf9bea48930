package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keystone token life and every fault the Compute API reference lists, as the SPI's errors. */
class OpenStackFaultsTest {
    private static final String SERVER_ID = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private OpenStackStubs stubs;
    private OpenStackCloud cloud;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        cloud = stubs.cloud();
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    private String serverPath() {
        return stubs.compute("/servers/" + SERVER_ID);
    }

    private void serverAnswers(String token) {
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(token))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "ACTIVE", "2", Map.of()) + "}")));
    }

    private void serverFails(int status, String body, String retryAfter) {
        var response = aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
        if (retryAfter != null) {
            response.withHeader("Retry-After", retryAfter);
        }
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN)).willReturn(response));
    }

    @Test
    void oneTokenServesManyCalls() {
        stubs.stubKeystone();
        serverAnswers(TOKEN);

        for (int i = 0; i < 3; i++) {
            assertThat(cloud.require(Servers.class).get(SERVER_ID)).isPresent();
        }

        stubs.server.verify(1, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));
    }

    @Test
    void aRevokedTokenIsReplacedOnceAndTheNewOneIsKept() {
        stubs.server.stubFor(stubs.keystoneIssues(TOKEN, Instant.now().plusSeconds(3600)).inScenario("auth").willSetStateTo("second"));
        stubs.server.stubFor(stubs.keystoneIssues("gAAAAABtoken-two", Instant.now().plusSeconds(3600)).inScenario("auth").whenScenarioStateIs("second"));
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": \"The request you have made requires authentication.\"}}")));
        serverAnswers("gAAAAABtoken-two");

        assertThat(cloud.require(Servers.class).get(SERVER_ID)).isPresent();
        assertThat(cloud.require(Servers.class).get(SERVER_ID)).isPresent();

        stubs.server.verify(2, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));
        stubs.server.verify(2, getRequestedFor(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo("gAAAAABtoken-two")));
    }

    @Test
    void aTokenAboutToExpireIsRenewedBeforeUse() {
        Instant expires = Instant.parse("2030-01-01T12:00:00Z");
        stubs.server.stubFor(stubs.keystoneIssues(TOKEN, expires));
        serverAnswers(TOKEN);
        var clock = new java.util.concurrent.atomic.AtomicReference<>(expires.minus(Duration.ofMinutes(30)));
        Clock moving = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return clock.get(); }
        };
        OpenStackCloud timed = stubs.cloud(stubs.config(), moving);

        timed.require(Servers.class).get(SERVER_ID);
        timed.require(Servers.class).get(SERVER_ID);
        clock.set(expires.minus(Duration.ofMinutes(1)));   // inside the 2-minute renewal margin
        timed.require(Servers.class).get(SERVER_ID);

        stubs.server.verify(2, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));
    }

    @Test
    void wrongCredentialsAreAuthenticationFailedAndHealthIsDown() {
        stubs.server.stubFor(post(urlPathEqualTo("/v3/auth/tokens")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": \"The request you have made requires authentication.\"}}")));

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(AuthenticationFailed.class, failed ->
                        assertThat(failed.providerMessage()).isEqualTo("The request you have made requires authentication."));
        assertThat(cloud.health().state()).isEqualTo(ProviderHealth.State.DOWN);
    }

    /**
     * Keystone revokes every token of a user whose password changes. The operator updates the
     * secret file; the next call meets a 401, drops the token, reads the file again and goes on.
     */
    @Test
    void aPasswordRotatedInKeystoneAndTheSecretFileIsPickedUpWithoutARestart(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("openstack-password");
        Files.writeString(secret, OpenStackStubs.PASSWORD + "\n");
        OpenStackConfig base = stubs.config();
        OpenStackConfig fromFile = new OpenStackConfig(base.name(), base.identityUrl(), base.user(),
                OpenStackConfig.PasswordSource.fromFile(secret), base.userDomain(), base.project(), base.projectDomain(),
                base.regions(), base.floatingIpPool(), base.overcommit(), base.timeouts());
        OpenStackCloud rotating = OpenStackCloud.connect(fromFile);
        stubs.server.stubFor(stubs.keystoneIssues(TOKEN, Instant.now().plusSeconds(3600)));
        serverAnswers(TOKEN);
        assertThat(rotating.require(Servers.class).get(SERVER_ID)).isPresent();

        // The password changes in Keystone: the old one and every token made with it are refused.
        stubs.server.resetAll();
        stubs.server.stubFor(stubs.keystoneRefuses(OpenStackStubs.PASSWORD));
        stubs.server.stubFor(stubs.keystoneIssues("gAAAAABtoken-rotated", Instant.now().plusSeconds(3600), "rotated-secret"));
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(OpenStackStubs.unauthorized()));
        serverAnswers("gAAAAABtoken-rotated");

        // Before the file is updated: one fresh try with what the file says, then a clear refusal.
        assertThatThrownBy(() -> rotating.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(AuthenticationFailed.class, failed -> {
                    assertThat(failed.getMessage()).contains("authentication failed").doesNotContain("cannot reach");
                    assertThat(failed.retryable()).isFalse();
                });
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));

        Files.writeString(secret, "rotated-secret\n");
        assertThat(rotating.require(Servers.class).get(SERVER_ID)).isPresent();
        assertThat(rotating.require(Servers.class).get(SERVER_ID)).isPresent();
        // One authentication with the new password, then its token is reused.
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo("/v3/auth/tokens"))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.password", equalTo("rotated-secret"))));
        stubs.server.verify(2, getRequestedFor(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo("gAAAAABtoken-rotated")));
        rotating.close();
    }

    /** A password that is wrong from the start is asked once per call, not retried into a lock-out. */
    @Test
    void aWrongPasswordIsRefusedAfterOneAuthenticationPerCall() {
        stubs.server.stubFor(stubs.keystoneRefuses(OpenStackStubs.PASSWORD));

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(AuthenticationFailed.class, failed -> assertThat(failed.getMessage())
                        .isEqualTo("provider openstack-test: authentication failed: The request you have made requires authentication. (401)"));
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));
    }

    /** Nova refusing a resize (NoValidHost) puts the server back on its old flavor with no ERROR. */
    @Test
    void aResizeNovaSilentlyRefusedIsFailedWithTheInstanceActionsWord() {
        stubs.stubKeystone();
        serverAnswers(TOKEN);   // ACTIVE, flavor 2, no task state
        stubs.server.stubFor(get(urlPathEqualTo(serverPath() + "/os-instance-actions")).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"instanceActions": [
                          {"action": "create", "instance_uuid": "%1$s", "message": null, "project_id": "a6944d763bf64ee6a275f1263fae0352",
                           "request_id": "req-1", "start_time": "2024-05-01T10:00:00.000000", "user_id": "ee4dfb6e5540447cb3741905149d9b6e"},
                          {"action": "resize", "instance_uuid": "%1$s", "message": "Error", "project_id": "a6944d763bf64ee6a275f1263fae0352",
                           "request_id": "req-2", "start_time": "2024-05-01T10:05:00.000000", "user_id": "ee4dfb6e5540447cb3741905149d9b6e"}]}"""
                        .formatted(SERVER_ID))));
        var handle = new io.skydeck.connectors.spi.OperationHandle("openstack-test", "resize:" + SERVER_ID + ":3",
                io.skydeck.connectors.spi.OperationKind.RESIZE,
                new io.skydeck.connectors.spi.ResourceRef(ResourceType.SERVER, SERVER_ID, "RegionOne"), java.util.Optional.empty(), Instant.now());

        assertThat(cloud.poll(handle)).isInstanceOfSatisfying(io.skydeck.connectors.spi.OperationStatus.Failed.class, failed -> {
            assertThat(failed.error()).isInstanceOf(io.skydeck.connectors.spi.RequestRejected.class);
            assertThat(failed.error().providerMessage()).endsWith("is ACTIVE on flavor 2 again; resize action: Error");
        });
    }

    @Test
    void aServerErrorIsProviderUnavailableWithNovasMessage() {
        stubs.stubKeystone();
        serverFails(500, "{\"computeFault\": {\"code\": 500, \"message\": \"Unexpected API Error.\"}}", null);

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(ProviderUnavailable.class, failed -> {
                    assertThat(failed.providerMessage()).isEqualTo("Unexpected API Error.");
                    assertThat(failed.providerCode()).contains("computeFault");
                    assertThat(failed.retryable()).isTrue();
                });
    }

    @Test
    void unavailableWithRetryAfterTellsWhenToComeBack() {
        stubs.stubKeystone();
        serverFails(503, "{\"serviceUnavailable\": {\"code\": 503, \"message\": \"Service is down for maintenance\"}}", "30");

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(Throttled.class, throttled -> {
                    assertThat(throttled.retryAfter()).contains(Duration.ofSeconds(30));
                    assertThat(throttled.providerMessage()).isEqualTo("Service is down for maintenance");
                });
    }

    @Test
    void rateLimitingIsThrottledHonouringRetryAfter() {
        stubs.stubKeystone();
        serverFails(429, "{\"overLimit\": {\"code\": 429, \"message\": \"This request was rate-limited.\", \"retryAfter\": \"7\"}}", "12");

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(Throttled.class, throttled -> {
                    assertThat(throttled.retryAfter()).contains(Duration.ofSeconds(12));
                    assertThat(throttled.providerCode()).contains("overLimit");
                });
    }

    @Test
    void aQuotaOverLimitOnCreateIsQuotaExceeded() {
        stubs.stubKeystone();
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of()))));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(413).withHeader("Content-Type", "application/json").withHeader("Retry-After", "0")
                        .withBody("{\"overLimit\": {\"code\": 413, \"message\": \"Quota exceeded for instances: Requested 1, but already used 10 of 10 instances\"}}")));

        assertThatThrownBy(() -> cloud.require(Servers.class).create(ServerSpec.of("web-1", "RegionOne", "2", "img"), IdempotencyToken.of("q-1")))
                .isInstanceOfSatisfying(QuotaExceeded.class, quota ->
                        assertThat(quota.providerMessage()).startsWith("Quota exceeded for instances"));
    }

    @Test
    void anUnknownFlavorInACreateIsResourceNotFoundOfTheFlavor() {
        stubs.stubKeystone();
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of()))));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"badRequest\": {\"code\": 400, \"message\": \"Flavor 99 could not be found.\"}}")));

        assertThatThrownBy(() -> cloud.require(Servers.class).create(ServerSpec.of("web-1", "RegionOne", "99", "img"), IdempotencyToken.of("f-1")))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.FLAVOR);
                    assertThat(missing.providerMessage()).isEqualTo("Flavor 99 could not be found.");
                });
    }

    @Test
    void deletingAServerNovaDoesNotKnowIsResourceNotFound() {
        stubs.stubKeystone();
        // The delete first reads the server for a port Skydeck made for it; Nova does not know it either.
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER_ID + " could not be found.\"}}")));
        stubs.server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(serverPath()))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER_ID + " could not be found.\"}}")));

        assertThatThrownBy(() -> cloud.require(Servers.class).delete(SERVER_ID, IdempotencyToken.of("d-1")))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.id()).isEqualTo(SERVER_ID);
                    assertThat(missing.providerMessage()).contains("could not be found");
                });
    }

    @Test
    void noAnswerWithinTheReadTimeoutIsProviderTimeout() {
        stubs.stubKeystone();
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{}").withFixedDelay(8_000)));   // well past the stubs' read timeout (2 s)

        long started = System.nanoTime();
        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID)).isInstanceOf(ProviderTimeout.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(7_000));
    }

    @Test
    void aBodyThatIsNotJsonIsProviderUnavailable() {
        stubs.stubKeystone();
        stubs.server.stubFor(get(urlPathEqualTo(serverPath())).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody("{\"server\": {\"id\": ")));

        assertThatThrownBy(() -> cloud.require(Servers.class).get(SERVER_ID))
                .isInstanceOfSatisfying(ProviderUnavailable.class, failed -> assertThat(failed.providerCode()).contains("malformed"));
    }

    @Test
    void thePasswordAppearsInNoConfigurationOrProviderText() {
        assertThat(stubs.config().toString()).doesNotContain(OpenStackStubs.PASSWORD).contains("OS_TEST_PASSWORD");
        assertThat(cloud.toString()).doesNotContain(OpenStackStubs.PASSWORD);
    }
}
