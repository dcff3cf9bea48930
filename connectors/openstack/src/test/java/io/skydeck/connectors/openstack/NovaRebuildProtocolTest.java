package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Installs by Nova rebuild and the ignition check, as the Compute API reference shows the rebuild
 * action, the server and its faults (microversion 2.1). The real peer holds the happy path
 * ({@code OpenStackReleasePeerTest}); the faults it cannot produce are here.
 */
class NovaRebuildProtocolTest {
    private static final String SERVER_ID = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private static final String OLD_IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b";
    private static final String NEW_IMAGE = "d42f821e-c2d1-4796-9d07-af5ed7912d0e";
    private static final IdempotencyToken TOKEN_V2 = IdempotencyToken.of("release-9.web-1.v2");
    private static final InstallSpec V2 = new InstallSpec("RegionOne", SERVER_ID, NEW_IMAGE, Optional.empty(), Optional.empty());

    private OpenStackStubs stubs;
    private OpenStackCloud cloud;
    private Deployments deployments;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        cloud = stubs.cloud();
        deployments = cloud.require(Deployments.class);
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    /** The server as GET /servers/{id} shows it, on {@code image}, in {@code status} with {@code taskState}. */
    private static String server(String status, String image, String taskState, Map<String, String> metadata) {
        return OpenStackStubs.novaServer(SERVER_ID, "web-1", status, "2", metadata)
                .replace(OLD_IMAGE, image)
                .replace("\"OS-EXT-STS:task_state\": null", "\"OS-EXT-STS:task_state\": " + (taskState == null ? "null" : "\"" + taskState + "\""));
    }

    private void serverIs(String json) {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + json + "}")));
    }

    private OperationHandle handle() {
        return new OperationHandle("openstack-test", "update:" + SERVER_ID + ":" + NEW_IMAGE, OperationKind.UPDATE,
                new ResourceRef(ResourceType.SERVER, SERVER_ID, "RegionOne"), Optional.of(TOKEN_V2), Instant.now());
    }

    @Test
    void installRebuildsTheServerFromTheVersionsImageKeepingItsMetadataAndAddingTheToken() {
        serverIs(server("ACTIVE", OLD_IMAGE, null, Map.of("skydeck-token", "req-7f3a", "tenant", "t-1")));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID + "/action")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.rebuild.imageRef", equalTo(NEW_IMAGE)))
                .withRequestBody(matchingJsonPath("$.rebuild.metadata.skydeck-install", equalTo(TOKEN_V2.value())))
                .withRequestBody(matchingJsonPath("$.rebuild.metadata.skydeck-token", equalTo("req-7f3a")))
                .withRequestBody(matchingJsonPath("$.rebuild.metadata.tenant", equalTo("t-1")))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json")
                        .withBody("{\"server\": " + server("REBUILD", NEW_IMAGE, "rebuilding", Map.of()) + "}")));

        OperationHandle handle = deployments.install(V2, TOKEN_V2);

        assertThat(handle.kind()).isEqualTo(OperationKind.UPDATE);
        assertThat(handle.resource()).isEqualTo(new ResourceRef(ResourceType.SERVER, SERVER_ID, "RegionOne"));
        assertThat(handle.operationId()).isEqualTo("update:" + SERVER_ID + ":" + NEW_IMAGE);
        assertThat(handle.token()).contains(TOKEN_V2);
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID + "/action"))));
    }

    @Test
    void aRepeatedInstallThatFindsItsTokenOnTheServerDoesNotRebuildAgain() {
        serverIs(server("REBUILD", NEW_IMAGE, "rebuild_spawning", Map.of("skydeck-install", TOKEN_V2.value())));

        OperationHandle handle = deployments.install(V2, TOKEN_V2);

        assertThat(handle.operationId()).isEqualTo("update:" + SERVER_ID + ":" + NEW_IMAGE);
        stubs.server.verify(0, postRequestedFor(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID + "/action"))));
    }

    @Test
    void anImageNovaCannotFindIsAVersionItCannotInstall() {
        serverIs(server("ACTIVE", OLD_IMAGE, null, Map.of()));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID + "/action")))
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                        .withBody("{\"badRequest\": {\"code\": 400, \"message\": \"Image " + NEW_IMAGE + " could not be found.\"}}")));

        assertThatThrownBy(() -> deployments.install(V2, TOKEN_V2))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerMessage()).isEqualTo("Image " + NEW_IMAGE + " could not be found.");
                    assertThat(rejected.providerCode()).contains("badRequest");
                });
    }

    @Test
    void aServerBusyWithAnotherTaskRefusesTheRebuild() {
        serverIs(server("ACTIVE", OLD_IMAGE, "resize_prep", Map.of()));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID + "/action")))
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", "application/json")
                        .withBody("{\"conflictingRequest\": {\"code\": 409, \"message\": \"Cannot 'rebuild' instance " + SERVER_ID
                                + " while it is in task_state resize_prep\"}}")));

        assertThatThrownBy(() -> deployments.install(V2, TOKEN_V2))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerCode()).contains("conflictingRequest"));
    }

    @Test
    void anUnknownServerIsNotFound() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID))).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER_ID + " could not be found.\"}}")));

        assertThatThrownBy(() -> deployments.install(V2, TOKEN_V2))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.SERVER);
                    assertThat(missing.id()).isEqualTo(SERVER_ID);
                });
    }

    @Test
    void aServerStillRebuildingIsInProgressWithNovasWords() {
        serverIs(server("REBUILD", NEW_IMAGE, "rebuild_spawning", Map.of()));

        assertThat(deployments.poll(handle())).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                running -> assertThat(running.detail()).isEqualTo("REBUILD (rebuild_spawning)"));
    }

    @Test
    void anActiveServerOnTheNewImageIsDoneAndShownAsNovaHasIt() {
        serverIs(server("ACTIVE", NEW_IMAGE, null, Map.of("skydeck-install", TOKEN_V2.value(), "tenant", "t-1")));

        assertThat(deployments.poll(handle())).isInstanceOfSatisfying(OperationStatus.Succeeded.class, done ->
                assertThat(done.server()).hasValueSatisfying(server -> {
                    assertThat(server.imageId()).isEqualTo(NEW_IMAGE);
                    assertThat(server.tags()).containsEntry("tenant", "t-1").doesNotContainKey("skydeck-install");
                }));
    }

    @Test
    void anActiveServerStillOnTheOldImageIsNotDone() {
        serverIs(server("ACTIVE", OLD_IMAGE, null, Map.of()));

        assertThat(deployments.poll(handle())).isInstanceOf(OperationStatus.InProgress.class);
    }

    @Test
    void aRebuildThatEndsInErrorFailsWithNovasFault() {
        String errored = server("ERROR", NEW_IMAGE, null, Map.of()).replace("\"progress\": 0,", """
                "progress": 0, "fault": {"code": 500, "created": "2024-05-01T10:03:00Z",
                 "message": "Build of instance f5dc173b-6804-445a-a6d8-c705dad5b5eb aborted: Image is corrupt"},""");
        serverIs(errored);

        assertThat(deployments.poll(handle())).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.error()).isInstanceOf(ProviderUnavailable.class);
            assertThat(failed.error().providerMessage()).contains("Image is corrupt");
        });
    }

    @Test
    void theProvidersPollOfAnUpdateOfAServerReachesTheRebuild() {
        serverIs(server("ACTIVE", NEW_IMAGE, null, Map.of()));

        // A restarted service polls the stored handle through CloudProvider.poll, which routes SERVER to Servers.
        assertThat(cloud.poll(handle())).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(cloud.require(Servers.class).poll(handle())).isInstanceOf(OperationStatus.Succeeded.class);
    }

    @Test
    void healthyIsActiveWithNoTaskRunning() {
        serverIs(server("ACTIVE", NEW_IMAGE, null, Map.of()));

        assertThat(deployments.health("RegionOne", SERVER_ID).healthy()).isTrue();
    }

    @Test
    void aServerStillSpawningIsNotHealthyYet() {
        serverIs(server("REBUILD", NEW_IMAGE, "rebuild_spawning", Map.of()));

        var health = deployments.health("RegionOne", SERVER_ID);

        assertThat(health.healthy()).isFalse();
        assertThat(health.detail()).isEqualTo("server is REBUILD (rebuild_spawning)");
    }
}
