package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Releases on Kubernetes against fabric8's mock API server in CRUD mode: every request the
 * connector sends is recorded (method, path, content type, body) and the mutating ones are
 * asserted exactly. The mock runs no controllers and no kubelet, so a test plays them: it
 * creates the pods and writes their status.
 */
class KubernetesReleaseTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String NS = "skydeck-acme";
    private static final String REGION = "eu-1";
    private static final TrafficTarget WEB = new TrafficTarget(REGION, NS + "/web");
    private static final Map<String, String> WEB_PODS = Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment");

    private record Sent(String method, String path, String contentType, String body) {
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesCloud cloud;
    private TrafficControl traffic;
    private Deployments deployments;

    @BeforeEach
    void startCluster() {
        var dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String body = request.getBody() == null ? "" : request.getBody().readUtf8();
                sent.add(new Sent(request.getMethod(), request.getPath(), request.getHeader("Content-Type"), body));
                return super.dispatch(new RecordedRequest(request.getRequestLine(), request.getHeaders(), List.of(), body.length(),
                        new Buffer(body.getBytes(StandardCharsets.UTF_8)), 0, null));
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-test", REGION, URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        cloud = new KubernetesCloud(config, client, Clock.fixed(NOW, ZoneOffset.UTC));
        traffic = cloud.require(TrafficControl.class);
        deployments = cloud.require(Deployments.class);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    @Test
    void theClusterOffersTrafficControlAndDeploymentsButNeitherWeightsNorHeaderRoutes() {
        assertThat(cloud.capabilities()).contains(CapabilityKind.TRAFFIC_CONTROL, CapabilityKind.DEPLOYMENTS);
        assertThat(traffic.weighsTraffic()).isFalse();
        assertThat(traffic.routesByHeader()).isFalse();
        assertThatThrownBy(() -> traffic.weigh(WEB, Set.of(NS + "/web-a"), 10)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aSkydeckPodTemplateCarriesTheTrafficLabelAndTheSelectorDoesNot() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));

        var stored = client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(stored.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("skydeck.io/traffic", "in");
        assertThat(stored.getSpec().getSelector().getMatchLabels()).doesNotContainKey("skydeck.io/traffic");
    }

    @Test
    void pullingOutRelabelsThePodWithOneMergePatchAndARepeatSendsNothing() {
        service(Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "in"));
        pod("web-a", "web:1", true, "in");
        pod("web-b", "web:1", true, "in");
        sent.clear();

        traffic.pullOut(WEB, NS + "/web-a");

        assertThat(mutations()).containsExactly(new Sent("PATCH", "/api/v1/namespaces/skydeck-acme/pods/web-a",
                "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"skydeck.io/traffic\":\"out\"}}}"));
        assertThat(traffic.inTraffic(WEB)).containsExactly(NS + "/web-b");
        var stored = client.pods().inNamespace(NS).withName("web-a").get();
        assertThat(stored.getMetadata().getLabels()).containsEntry("skydeck.io/traffic", "out")
                .containsAllEntriesOf(WEB_PODS); // still its ReplicaSet's pod

        sent.clear();
        traffic.pullOut(WEB, NS + "/web-a");
        assertThat(mutations()).isEmpty();

        traffic.pullIn(WEB, NS + "/web-a");
        assertThat(mutations()).containsExactly(new Sent("PATCH", "/api/v1/namespaces/skydeck-acme/pods/web-a",
                "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"skydeck.io/traffic\":\"in\"}}}"));
        assertThat(traffic.inTraffic(WEB)).containsExactly(NS + "/web-a", NS + "/web-b");
    }

    @Test
    void aServiceThatDoesNotSelectTheLabelIsAdoptedWhenEveryPodItSelectsCarriesIt() {
        service(WEB_PODS);
        pod("web-a", "web:1", true, "in");
        sent.clear();

        traffic.pullOut(WEB, NS + "/web-a");

        assertThat(mutations()).containsExactly(
                new Sent("PATCH", "/api/v1/namespaces/skydeck-acme/services/web", "application/merge-patch+json",
                        "{\"spec\":{\"selector\":{\"skydeck.io/traffic\":\"in\"}}}"),
                new Sent("PATCH", "/api/v1/namespaces/skydeck-acme/pods/web-a", "application/merge-patch+json",
                        "{\"metadata\":{\"labels\":{\"skydeck.io/traffic\":\"out\"}}}"));
        assertThat(client.services().inNamespace(NS).withName("web").get().getSpec().getSelector())
                .isEqualTo(Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "in"));
        assertThat(traffic.inTraffic(WEB)).isEmpty();
    }

    @Test
    void adoptionIsRefusedWhileAPodTheServiceSelectsLacksTheLabel() {
        service(WEB_PODS);
        pod("web-a", "web:1", true, "in");
        pod("web-old", "web:1", true, null);
        sent.clear();

        assertThatThrownBy(() -> traffic.pullOut(WEB, NS + "/web-a"))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("[web-old]");
        assertThat(mutations()).isEmpty();
    }

    @Test
    void anUnknownServiceOrPodIsNotFound() {
        service(WEB_PODS);
        pod("web-a", "web:1", true, "in");

        assertThatThrownBy(() -> traffic.pullOut(new TrafficTarget(REGION, NS + "/api"), NS + "/web-a"))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.NETWORK));
        assertThatThrownBy(() -> traffic.pullIn(WEB, NS + "/web-z"))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.id()).isEqualTo(NS + "/web-z"));
        assertThatThrownBy(() -> traffic.pullIn(WEB, "skydeck-other/web-a")).isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> deployments.install(install("web-z", "web:2"), IdempotencyToken.of("i-1")))
                .isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> deployments.health(REGION, NS + "/web-z")).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void anInstallPatchesTheContainerImageInPlaceAndARepeatWithItsTokenSendsNothing() {
        pod("web-a", "web:1", true, "in");
        sent.clear();

        var handle = deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-1"));

        assertThat(handle.kind()).isEqualTo(OperationKind.UPDATE);
        assertThat(handle.resource().type()).isEqualTo(ResourceType.WORKLOAD);
        assertThat(handle.resource().id()).isEqualTo(NS + "/web-a");
        assertThat(handle.operationId()).isEqualTo("install|skydeck-acme/web-a|web:2");
        assertThat(handle.acceptedAt()).isEqualTo(NOW);
        assertThat(mutations()).containsExactly(new Sent("PATCH", "/api/v1/namespaces/skydeck-acme/pods/web-a",
                "application/json-patch+json", "["
                        + "{\"op\":\"test\",\"path\":\"/spec/containers/0/name\",\"value\":\"main\"},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"web:2\"},"
                        + "{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"skydeck.io/install-token\":\"i-1\","
                        + "\"skydeck.io/install-image\":\"web:2\",\"skydeck.io/install-accepted-at\":\"2025-03-01T10:00:00Z\"}}]"));
        var stored = client.pods().inNamespace(NS).withName("web-a").get();
        assertThat(stored.getSpec().getContainers().get(0).getImage()).isEqualTo("web:2");

        sent.clear();
        assertThat(deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-1"))).isEqualTo(handle);
        assertThat(mutations()).isEmpty();
        assertThatThrownBy(() -> deployments.install(install("web-a", "web:3"), IdempotencyToken.of("i-1")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("already installed web:2");
    }

    @Test
    void aSecondInstallAddsItsAnnotationsOneByOneToThoseThePodHas() {
        pod("web-a", "web:1", true, "in");
        deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-1"));
        sent.clear();

        var handle = deployments.install(install("web-a", "web:1"), IdempotencyToken.of("rollback-1"));

        assertThat(handle.operationId()).isEqualTo("install|skydeck-acme/web-a|web:1");
        assertThat(mutations()).extracting(Sent::body).containsExactly("["
                + "{\"op\":\"test\",\"path\":\"/spec/containers/0/name\",\"value\":\"main\"},"
                + "{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"web:1\"},"
                + "{\"op\":\"add\",\"path\":\"/metadata/annotations/skydeck.io~1install-token\",\"value\":\"rollback-1\"},"
                + "{\"op\":\"add\",\"path\":\"/metadata/annotations/skydeck.io~1install-image\",\"value\":\"web:1\"},"
                + "{\"op\":\"add\",\"path\":\"/metadata/annotations/skydeck.io~1install-accepted-at\",\"value\":\"2025-03-01T10:00:00Z\"}]");
        assertThat(client.pods().inNamespace(NS).withName("web-a").get().getMetadata().getAnnotations())
                .containsEntry("skydeck.io/install-token", "rollback-1").containsEntry("skydeck.io/install-image", "web:1");
    }

    @Test
    void anInstallIsDoneWhenTheContainerReportsTheNewImageAndThePodIsReady() {
        pod("web-a", "web:1", true, "in");
        var handle = deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-1"));

        // The kubelet has not restarted the container yet: the status still reports web:1.
        assertThat(deployments.poll(handle)).isInstanceOf(OperationStatus.InProgress.class);

        kubelet("web-a", "docker.io/library/web:2", true, null);
        assertThat(deployments.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, NOW));
        // The service polls a stored handle through the provider, which routes a WORKLOAD handle to Workloads.
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, NOW));
        assertThat(deployments.health(REGION, NS + "/web-a")).isEqualTo(InstanceHealth.ok());
    }

    @Test
    void aBadImageFailsTheInstallAndTheIgnitionCheck() {
        pod("web-a", "web:1", true, "in");
        var handle = deployments.install(install("web-a", "web:broken"), IdempotencyToken.of("i-1"));

        kubelet("web-a", "web:broken", false, "CrashLoopBackOff");

        assertThat(deployments.poll(handle)).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.error()).isInstanceOf(RequestRejected.class).hasMessageContaining("CrashLoopBackOff");
            assertThat(failed.error().providerCode()).contains("CrashLoopBackOff");
        });
        var health = deployments.health(REGION, NS + "/web-a");
        assertThat(health.healthy()).isFalse();
        assertThat(health.detail()).isEqualTo("pod skydeck-acme/web-a container main: CrashLoopBackOff (back-off restarting)");
    }

    @Test
    void aRestoreOntoACrashLoopingPodWaitsForTheRestartInsteadOfFailingOnTheOldCrash() {
        pod("web-a", "web:1", true, "in");
        deployments.install(install("web-a", "web:broken"), IdempotencyToken.of("i-1"));
        kubelet("web-a", "web:broken", false, "CrashLoopBackOff");

        var restore = deployments.install(install("web-a", "web:1"), IdempotencyToken.of("restore-1"));

        // The status still tells of web:broken crash-looping: that is not web:1 failing.
        assertThat(deployments.poll(restore)).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                p -> assertThat(p.detail()).contains("not on web:1 yet"));
        kubelet("web-a", "web:1", true, null);
        assertThat(deployments.poll(restore)).isInstanceOf(OperationStatus.Succeeded.class);
    }

    @Test
    void theDeploymentTemplateFollowsOnlyWhenEveryPodRunsTheVersionAndIsReady() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));
        pod("web-a", "web:1", true, "in");
        pod("web-b", "web:1", true, "in");
        var first = deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-a"));
        kubelet("web-a", "web:2", true, null);
        sent.clear();

        assertThat(deployments.poll(first)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(mutations()).as("web-b still runs web:1").isEmpty();

        var second = deployments.install(install("web-b", "web:2"), IdempotencyToken.of("i-b"));
        kubelet("web-b", "web:2", true, null);
        sent.clear();
        assertThat(deployments.poll(second)).isInstanceOf(OperationStatus.Succeeded.class);

        assertThat(mutations()).containsExactly(new Sent("PATCH", "/apis/apps/v1/namespaces/skydeck-acme/deployments/web",
                "application/json-patch+json", "["
                        + "{\"op\":\"test\",\"path\":\"/spec/template/spec/containers/0/name\",\"value\":\"main\"},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"web:2\"},"
                        + "{\"op\":\"add\",\"path\":\"/spec/strategy\",\"value\":{\"type\":\"RollingUpdate\","
                        + "\"rollingUpdate\":{\"maxSurge\":\"25%\",\"maxUnavailable\":0}}}]"));
        var stored = client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(stored.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("web:2");
        assertThat(stored.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    }

    @Test
    void withItsPodsOutOfTrafficTheTemplateWaitsForTheLastPullIn() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));
        service(Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment", "skydeck.io/traffic", "in"));
        pod("web-a", "web:1", true, "in");
        pod("web-b", "web:1", true, "in");
        for (String pod : List.of("web-a", "web-b")) {
            traffic.pullOut(WEB, NS + "/" + pod);
            var handle = deployments.install(install(pod, "web:2"), IdempotencyToken.of("i-" + pod));
            kubelet(pod, "web:2", true, null);
            assertThat(deployments.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        }
        traffic.pullIn(WEB, NS + "/web-a");
        assertThat(templateImage()).as("web-b is still out: a dark pod does not release the workload").isEqualTo("web:1");
        sent.clear();

        traffic.pullIn(WEB, NS + "/web-b");

        assertThat(mutations()).extracting(Sent::path).containsExactly(
                "/api/v1/namespaces/skydeck-acme/pods/web-b", "/apis/apps/v1/namespaces/skydeck-acme/deployments/web");
        assertThat(templateImage()).isEqualTo("web:2");
    }

    @Test
    void aStatefulSetTemplateFollowsWithOnDeleteSoNoPodIsReplaced() {
        var spec = new WorkloadSpec("db", REGION, Optional.empty(), NS, WorkloadKind.STATEFUL_SET, "db:1", 1,
                new io.skydeck.connectors.spi.ContainerResources(100, 128, 1), Map.of());
        cloud.require(Workloads.class).create(spec, IdempotencyToken.of("w-db"));
        client.pods().inNamespace(NS).resource(new PodBuilder(podObject("db-0", "db:1", true, "in"))
                .editMetadata().withLabels(Map.of("skydeck.io/workload", "db", "skydeck.io/workload-kind", "statefulset",
                        "skydeck.io/traffic", "in")).endMetadata().build()).create();
        var handle = deployments.install(install("db-0", "db:2"), IdempotencyToken.of("i-db"));
        kubelet("db-0", "db:2", true, null);

        assertThat(deployments.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);

        var stored = client.apps().statefulSets().inNamespace(NS).withName("db").get();
        assertThat(stored.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("db:2");
        assertThat(stored.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    }

    @Test
    void aVersionThatFailsOnOnePodNeverReachesTheTemplate() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));
        pod("web-a", "web:1", true, "in");
        pod("web-b", "web:1", true, "in");
        var a = deployments.install(install("web-a", "web:2"), IdempotencyToken.of("i-a"));
        var b = deployments.install(install("web-b", "web:2"), IdempotencyToken.of("i-b"));
        kubelet("web-a", "web:2", false, "CrashLoopBackOff");
        kubelet("web-b", "web:2", true, null);

        assertThat(deployments.poll(a)).isInstanceOf(OperationStatus.Failed.class);
        assertThat(deployments.poll(b)).isInstanceOf(OperationStatus.Succeeded.class);

        var stored = client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(stored.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("web:1");
    }

    @Test
    void aWorkloadIsReleasedOverItsPodsByNameLeavingOutThoseOnTheirWayOut() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 3, 100, 128), IdempotencyToken.of("w-1"));
        settled("web", 3);
        pod("web-c", "web:1", true, "in");
        pod("web-a", "web:1", true, "in");
        pod("web-b", "web:0", false, "in");
        client.pods().inNamespace(NS).resource(new PodBuilder(podObject("web-old", "web:0", false, "in"))
                .editStatus().withPhase("Failed").endStatus().build()).create();
        // Terminating: deleted, but held by a finalizer (the mock then only sets deletionTimestamp, as an API server does).
        client.pods().inNamespace(NS).resource(new PodBuilder(podObject("web-d", "web:1", true, "in"))
                .editMetadata().withFinalizers("test.skydeck.io/hold").endMetadata().build()).create();
        client.pods().inNamespace(NS).withName("web-d").delete();
        assertThat(client.pods().inNamespace(NS).withName("web-d").get().getMetadata().getDeletionTimestamp()).isNotNull();
        client.pods().inNamespace(NS).resource(new PodBuilder(podObject("api-a", "api:1", true, "in")).editMetadata()
                .withLabels(Map.of("skydeck.io/workload", "api", "skydeck.io/workload-kind", "deployment")).endMetadata().build())
                .create(); // another workload's pod in the same namespace
        sent.clear();

        assertThat(deployments.releasesWorkloads()).isTrue();
        assertThat(deployments.instancesOf(REGION, NS + "/web")).containsExactly(
                new io.skydeck.connectors.spi.WorkloadInstance(NS + "/web-a", "web:1", true),
                new io.skydeck.connectors.spi.WorkloadInstance(NS + "/web-b", "web:0", false),
                new io.skydeck.connectors.spi.WorkloadInstance(NS + "/web-c", "web:1", true));
        assertThat(mutations()).as("listing pods changes nothing").isEmpty();
        assertThat(sent).extracting(Sent::path).anyMatch(path -> path.startsWith("/api/v1/namespaces/skydeck-acme/pods?labelSelector="));
    }

    @Test
    void aWorkloadWhoseControllerIsStillReplacingPodsIsNotReleasedAndAnUnknownOneIsNotFound() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", REGION, NS, "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));
        pod("web-a", "web:1", true, "in");

        // No status yet: the controller has not rolled it out.
        assertThatThrownBy(() -> deployments.instancesOf(REGION, NS + "/web"))
                .isInstanceOfSatisfying(RequestRejected.class, e -> assertThat(e.providerCode()).contains("ControllerBusy"))
                .hasMessageContaining("PROGRESSING");
        assertThatThrownBy(() -> deployments.instancesOf(REGION, NS + "/api")).isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> deployments.instancesOf(REGION, "kube-system/coredns")).isInstanceOf(RequestRejected.class);
    }

    /** Plays the Deployment controller: every replica updated and available. */
    private void settled(String deployment, int replicas) {
        var stored = client.apps().deployments().inNamespace(NS).withName(deployment).get();
        stored.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                .withObservedGeneration(stored.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas)
                .addNewCondition().withType("Available").withStatus("True").endCondition().build());
        client.resource(stored).updateStatus();
    }

    private String templateImage() {
        return client.apps().deployments().inNamespace(NS).withName("web").get().getSpec().getTemplate().getSpec().getContainers()
                .get(0).getImage();
    }

    private List<Sent> mutations() {
        return sent.stream().filter(s -> !s.method().equals("GET")).toList();
    }

    private void service(Map<String, String> selector) {
        client.services().inNamespace(NS).resource(new ServiceBuilder()
                .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
                .withNewSpec().withSelector(selector).addNewPort().withPort(80).endPort().endSpec()
                .build()).create();
    }

    private void pod(String name, String image, boolean ready, String trafficLabel) {
        client.pods().inNamespace(NS).resource(podObject(name, image, ready, trafficLabel)).create();
    }

    private static Pod podObject(String name, String image, boolean ready, String trafficLabel) {
        var labels = new HashMap<>(WEB_PODS);
        if (trafficLabel != null) {
            labels.put("skydeck.io/traffic", trafficLabel);
        }
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage(image).endContainer().endSpec()
                .withNewStatus()
                .withContainerStatuses(new ContainerStatusBuilder().withName("main").withImage(image).withReady(ready).build())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
                .endStatus()
                .build();
    }

    /** Plays the kubelet: the container now reports {@code image}, ready or waiting for {@code waitingReason}. */
    private void kubelet(String pod, String image, boolean ready, String waitingReason) {
        client.pods().inNamespace(NS).withName(pod).edit(p -> {
            var status = new ContainerStatusBuilder().withName("main").withImage(image).withReady(ready);
            if (waitingReason != null) {
                status.withNewState().withNewWaiting().withReason(waitingReason).withMessage("back-off restarting").endWaiting().endState();
            }
            return new PodBuilder(p).editStatus()
                    .withContainerStatuses(status.build())
                    .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
                    .endStatus().build();
        });
    }

    private static InstallSpec install(String pod, String image) {
        return new InstallSpec(REGION, NS + "/" + pod, image, Optional.empty(), Optional.empty());
    }
}
