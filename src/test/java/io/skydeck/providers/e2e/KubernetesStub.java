package io.skydeck.providers.e2e;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.skydeck.connectors.kubernetes.KubernetesClients;
import io.skydeck.connectors.kubernetes.KubernetesConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * fabric8's mock API server in CRUD mode (what is written is what a cluster would store) with
 * one Ready node in zone eu-1a, and the configuration of a "k8s-test" cluster pointing at it
 * with a service-account token read from a file.
 */
public class KubernetesStub implements QuarkusTestResourceLifecycleManager {
    static final String TOKEN = "e2e-service-account-token-never-shown";

    static KubernetesMockServer server;
    /** A client of the test's own, to play the controllers and look at what Skydeck stored. */
    static KubernetesClient cluster;
    static Path tokenFile;

    @Override
    public Map<String, String> start() {
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        cluster = KubernetesClients.fromConfig(KubernetesConfig.withToken("observer", "eu-1", URI.create(server.url("/")), TOKEN));
        cluster.resource(new NodeBuilder().withNewMetadata().withName("node-a")
                .addToLabels("topology.kubernetes.io/zone", "eu-1a").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity("4")).addToAllocatable("memory", new Quantity("16Gi"))
                .addToAllocatable("pods", new Quantity("110"))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        try {
            tokenFile = Files.createTempFile("skydeck-k8s-e2e", ".token");
            Files.writeString(tokenFile, TOKEN + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String p = "skydeck.providers.kubernetes.\"k8s-test\".";
        return Map.of(
                p + "api-server", server.url("/"),
                p + "token-file", tokenFile.toString(),
                p + "region", "eu-1",
                p + "timeout", "5s");
    }

    @Override
    public void stop() {
        cluster.close();
        server.destroy();
        try {
            Files.deleteIfExists(tokenFile);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
