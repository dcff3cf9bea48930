package io.skydeck.release;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.skydeck.connectors.kubernetes.KubernetesClients;
import io.skydeck.connectors.kubernetes.KubernetesConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Kubernetes cluster for release tests: fabric8's mock API server in CRUD mode (it stores what
 * is written and runs no controller and no kubelet), one Ready node in zone eu-1a, and the
 * configuration of provider {@value #PROVIDER} pointing at it. The service sees only the cluster.
 *
 * <p>Because nothing in the mock starts containers, this class also plays <b>the kubelet</b>: a
 * thread that, every few milliseconds, finds pods whose container {@code main} was given an image
 * its status does not report yet, and writes the status a kubelet would once the container
 * restarted — the new image, Ready — or, for an image a test declared bad on that pod
 * ({@link #crashes}), {@code CrashLoopBackOff} and not Ready. That is what the connector's install
 * poll and ignition check read. Tests that need the ReplicaSet controller (pods for a new
 * Deployment, a pod replaced) play it through {@link KubernetesWorkloadFixtures}.
 *
 * <p>Use it with {@code @TestProfile(KubernetesReleaseCluster.Profile.class)}: every test class on
 * that profile shares one service and one cluster, so tests keep to their own tenant namespace.
 */
public class KubernetesReleaseCluster implements QuarkusTestResourceLifecycleManager {
    public static final String PROVIDER = "k8s-test";
    public static final String REGION = "eu-1";
    private static final String TOKEN = "release-test-service-account-token";

    /** The sandbox off, so every workload lands on the cluster. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KubernetesReleaseCluster.class));
        }
    }

    /**
     * The same cluster configured with Gateway API Gateway {@value #GATEWAY}: its Services split
     * traffic by weight and by header through HTTPRoutes. A profile of its own, so a service of its own.
     */
    public static class GatewayProfile extends Profile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.enabled", "false", "skydeck.providers.kubernetes.\"" + PROVIDER + "\".gateway", GATEWAY);
        }
    }

    public static final String GATEWAY = "gateways/public";

    private static KubernetesMockServer server;
    private static KubernetesClient client;
    private static Path tokenFile;
    private static Thread kubelet;
    private static volatile boolean running;
    /** Pod id ("namespace/name") → images its container crash-loops on. */
    private static final Map<String, Set<String>> CRASHES = new ConcurrentHashMap<>();

    /** A client of the test's own: to play controllers and to look at what Skydeck stored. */
    public static KubernetesClient client() {
        return client;
    }

    /** From now on, the kubelet fails {@code image} on these pods ("namespace/name") with CrashLoopBackOff. */
    public static void crashes(String image, Set<String> podIds) {
        for (String pod : podIds) {
            CRASHES.computeIfAbsent(pod, p -> ConcurrentHashMap.newKeySet()).add(image);
        }
    }

    @Override
    public Map<String, String> start() {
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = KubernetesClients.fromConfig(KubernetesConfig.withToken("release-test", REGION, URI.create(server.url("/")), TOKEN));
        client.resource(new NodeBuilder().withNewMetadata().withName("node-a")
                .addToLabels("topology.kubernetes.io/zone", "eu-1a").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity("8")).addToAllocatable("memory", new Quantity("32Gi"))
                .addToAllocatable("pods", new Quantity("110"))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        try {
            tokenFile = Files.createTempFile("skydeck-k8s-release", ".token");
            Files.writeString(tokenFile, TOKEN + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        running = true;
        kubelet = new Thread(KubernetesReleaseCluster::playTheKubelet, "test-kubelet");
        kubelet.setDaemon(true);
        kubelet.start();
        String p = "skydeck.providers.kubernetes.\"" + PROVIDER + "\".";
        return Map.of(
                p + "api-server", server.url("/"),
                p + "token-file", tokenFile.toString(),
                p + "region", REGION,
                p + "timeout", "5s");
    }

    @Override
    public void stop() {
        running = false;
        try {
            kubelet.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        server.destroy();
        try {
            Files.deleteIfExists(tokenFile);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    private static void playTheKubelet() {
        while (running) {
            try {
                for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
                    restartIfChanged(pod);
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A pod deleted between the list and the patch, or the server stopping: the next round sees.
                sleepQuietly();
            }
        }
    }

    /** A container given a new image restarts on it: Ready on a good image, crash-looping on a bad one. */
    private static void restartIfChanged(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        var main = pod.getSpec().getContainers().stream().filter(c -> "main".equals(c.getName())).findFirst();
        if (main.isEmpty()) {
            return;
        }
        String image = main.get().getImage();
        List<ContainerStatus> statuses = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                ? List.of() : pod.getStatus().getContainerStatuses();
        boolean reported = statuses.stream().anyMatch(s -> "main".equals(s.getName()) && image.equals(s.getImage()));
        if (reported) {
            return;
        }
        String id = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        boolean crashes = CRASHES.getOrDefault(id, Set.of()).contains(image);
        writeStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), image, !crashes);
    }

    /**
     * Writes the pod's whole status as a kubelet reports it: container {@code main} on {@code image},
     * Ready or crash-looping. A JSON patch that replaces {@code /status}: the mock's merge patch
     * appends to lists instead of replacing them, which would leave the old container status first.
     */
    static void writeStatus(String namespace, String pod, String image, boolean ready) {
        client.pods().inNamespace(namespace).withName(pod).patch(PatchContext.of(PatchType.JSON),
                client.getKubernetesSerialization().asJson(List.of(Map.of("op", "add", "path", "/status", "value", status(image, ready)))));
    }

    private static Map<String, Object> status(String image, boolean ready) {
        var container = new LinkedHashMap<String, Object>();
        container.put("name", "main");
        container.put("image", image);
        container.put("ready", ready);
        container.put("state", ready ? Map.of("running", Map.of())
                : Map.of("waiting", Map.of("reason", "CrashLoopBackOff", "message", "back-off restarting failed container")));
        var status = new LinkedHashMap<String, Object>();
        status.put("phase", "Running");
        status.put("conditions", List.of(Map.of("type", "Ready", "status", ready ? "True" : "False")));
        status.put("containerStatuses", List.of(container));
        return status;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
