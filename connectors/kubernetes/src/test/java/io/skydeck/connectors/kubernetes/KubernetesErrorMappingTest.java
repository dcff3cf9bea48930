package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetListBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * API server errors, served by the mock server in expectation mode: each test checks the SPI
 * exception and its verbatim message, and the exact request (method, path, bearer token) that
 * drew the error. Unstubbed requests get 404, so a wrong path fails the test.
 */
class KubernetesErrorMappingTest {
    private static final String NS = "skydeck-acme";
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/skydeck-acme/deployments";
    private static final String TOKEN_QUERY = "?labelSelector=skydeck.io%2Fidempotency-token%3Dreq-1";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesCloud cloud;
    private Workloads workloads;

    @BeforeEach
    void startServer() {
        server = new KubernetesMockServer(false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-test", "eu-1", URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        cloud = new KubernetesCloud(config, client, Clock.fixed(Instant.parse("2025-03-01T10:00:00Z"), ZoneOffset.UTC));
        workloads = cloud.require(Workloads.class);
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.destroy();
    }

    @Test
    void forbiddenByRbacIsAuthenticationFailedWithTheServersMessage() throws Exception {
        String message = "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:skydeck:broker\" cannot get resource "
                + "\"deployments\" in API group \"apps\" in the namespace \"skydeck-acme\"";
        server.expect().get().withPath(DEPLOYMENTS + "/web").andReturn(403, status(403, "Forbidden", message)).once();

        var error = catchThrowableOfType(AuthenticationFailed.class, () -> workloads.get("skydeck-acme/web"));

        assertThat(error.providerMessage()).isEqualTo(message);
        assertThat(error.providerCode()).contains("Forbidden");
        assertThat(requests()).singleElement().satisfies(request -> assertRequest(request, "GET", DEPLOYMENTS + "/web"));
    }

    @Test
    void forbiddenByAResourceQuotaIsQuotaExceeded() throws Exception {
        stubNoWorkloadCarriesTheToken();
        String message = "deployments.apps \"web\" is forbidden: exceeded quota: skydeck-quota, requested: count/deployments.apps=1, "
                + "used: count/deployments.apps=10, limited: count/deployments.apps=10";
        server.expect().post().withPath(DEPLOYMENTS).andReturn(403, status(403, "Forbidden", message)).once();

        var error = catchThrowableOfType(QuotaExceeded.class, this::createWeb);

        assertThat(error.providerMessage()).isEqualTo(message);
        var post = requests().get(3);
        assertRequest(post, "POST", DEPLOYMENTS);
        assertThat(post.getUtf8Body()).contains("\"image\":\"nginx:1.27\"").contains("\"skydeck.io/idempotency-token\":\"req-1\"");
    }

    @Test
    void conflictIsRequestRejectedWithTheReasonAsCode() throws Exception {
        stubNoWorkloadCarriesTheToken();
        String message = "deployments.apps \"web\" already exists";
        server.expect().post().withPath(DEPLOYMENTS).andReturn(409, status(409, "AlreadyExists", message)).once();

        var error = catchThrowableOfType(RequestRejected.class, this::createWeb);

        assertThat(error.providerMessage()).isEqualTo(message);
        assertThat(error.providerCode()).contains("AlreadyExists");
        var sent = requests();
        assertRequest(sent.get(3), "POST", DEPLOYMENTS);
        // After a 409 the connector looks for the winner of the race; here there is none (deleted meanwhile).
        assertRequest(sent.get(4), "GET", DEPLOYMENTS + "/web");
    }

    @Test
    void invalidIsRequestRejectedCarryingTheFieldError() throws Exception {
        stubNoWorkloadCarriesTheToken();
        String message = "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Invalid value: \"nginx:1.27\": "
                + "denied by admission policy";
        server.expect().post().withPath(DEPLOYMENTS).andReturn(422, status(422, "Invalid", message)).once();

        var error = catchThrowableOfType(RequestRejected.class, this::createWeb);

        assertThat(error.providerMessage()).isEqualTo(message);
        assertThat(error.providerCode()).contains("Invalid");
        assertThat(error.retryable()).isFalse();
        assertRequest(requests().get(3), "POST", DEPLOYMENTS);
    }

    @Test
    void tooManyRequestsIsThrottledWithRetryAfterAndIsNotRetriedByTheClient() throws Exception {
        Status throttled = status(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later");
        throttled.setDetails(new io.fabric8.kubernetes.api.model.StatusDetailsBuilder().withRetryAfterSeconds(7).build());
        server.expect().get().withPath("/api/v1/nodes").andReturn(429, throttled).withHeader("Retry-After", "7").once();
        server.expect().get().withPath("/api/v1/nodes").andReturn(200, new NodeListBuilder().build()).always();

        var error = catchThrowableOfType(Throttled.class, () -> cloud.require(Inventory.class).containerCapacity("eu-1"));

        assertThat(error.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(error.retryable()).isTrue();
        assertThat(requests()).singleElement().satisfies(request -> assertRequest(request, "GET", "/api/v1/nodes"));
    }

    @Test
    void internalErrorIsProviderUnavailableAndGatewayTimeoutIsProviderTimeout() throws Exception {
        Deployment web = Fixtures.load("deployment-stable.yaml", Deployment.class);
        server.expect().get().withPath(DEPLOYMENTS + "/web").andReturn(200, web).always();
        server.expect().patch().withPath(DEPLOYMENTS + "/web").andReturn(500, status(500, "InternalError", "etcdserver: leader changed")).once();
        server.expect().patch().withPath(DEPLOYMENTS + "/web").andReturn(504, status(504, "Timeout", "request timed out")).once();

        var unavailable = catchThrowableOfType(ProviderUnavailable.class, () -> workloads.scale("skydeck-acme/web", 5));
        var timeout = catchThrowableOfType(ProviderTimeout.class, () -> workloads.scale("skydeck-acme/web", 5));

        assertThat(unavailable.providerMessage()).isEqualTo("etcdserver: leader changed");
        assertThat(unavailable.providerCode()).contains("InternalError");
        assertThat(timeout.providerMessage()).isEqualTo("request timed out");
        var sent = requests();
        assertThat(sent).hasSize(4);  // GET, PATCH, GET, PATCH: no silent retries
        assertRequest(sent.get(1), "PATCH", DEPLOYMENTS + "/web");
        assertThat(sent.get(1).getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(sent.get(1).getUtf8Body()).isEqualTo("{\"spec\":{\"replicas\":5}}");
    }

    @Test
    void unauthorizedMakesHealthDownWithTheServersMessage() throws Exception {
        server.expect().get().withPath("/api/v1/namespaces?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dskydeck&limit=1")
                .andReturn(401, status(401, "Unauthorized", "Unauthorized")).once();

        ProviderHealth health = cloud.health();

        assertThat(health.state()).isEqualTo(ProviderHealth.State.DOWN);
        assertThat(health.detail()).isEqualTo("provider k8s-test: authentication failed: Unauthorized (Unauthorized)");
        assertThat(requests()).singleElement().satisfies(request ->
                assertRequest(request, "GET", "/api/v1/namespaces?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dskydeck&limit=1"));
    }

    private void createWeb() {
        workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), IdempotencyToken.of("req-1"));
    }

    private void stubNoWorkloadCarriesTheToken() {
        server.expect().get().withPath(DEPLOYMENTS + TOKEN_QUERY).andReturn(200, new DeploymentListBuilder().build()).once();
        server.expect().get().withPath("/apis/apps/v1/namespaces/skydeck-acme/statefulsets" + TOKEN_QUERY)
                .andReturn(200, new StatefulSetListBuilder().build()).once();
        server.expect().get().withPath("/apis/apps/v1/namespaces/skydeck-acme/daemonsets" + TOKEN_QUERY)
                .andReturn(200, new DaemonSetListBuilder().build()).once();
    }

    private static Status status(int code, String reason, String message) {
        return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message).build();
    }

    private List<RecordedRequest> requests() throws InterruptedException {
        var requests = new ArrayList<RecordedRequest>();
        for (int i = server.getRequestCount(); i > 0; i--) {
            requests.add(server.takeRequest(1, TimeUnit.SECONDS));
        }
        return requests;
    }

    private static void assertRequest(RecordedRequest request, String method, String path) {
        assertThat(request.getMethod()).isEqualTo(method);
        assertThat(request.getPath()).isEqualTo(path);
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer s3cr3t-token");
    }
}
