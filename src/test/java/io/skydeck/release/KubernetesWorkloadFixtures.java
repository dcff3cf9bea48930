package io.skydeck.release;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.skydeck.release.KubernetesReleaseCluster.client;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;

/**
 * A tenant on the {@link KubernetesReleaseCluster} and the calls a release test on Kubernetes
 * makes: a Deployment made through {@code POST /v1/workloads} whose pods the fixture starts
 * (playing the Deployment and ReplicaSet controllers, which the mock lacks), a Service in front of
 * it, an application with a workload group and versions, releases and what to look at in the
 * cluster afterwards. Each fixture has its own tenant, so its own namespace.
 */
final class KubernetesWorkloadFixtures {

    /** A workload as the API made it, with its pods' names in the order a release takes them. */
    record Workload(String id, String namespace, String name, List<String> pods) {
        String podId(int i) {
            return namespace + "/" + pods.get(i);
        }
    }

    final UUID tenant;
    final String token;
    final String namespace;
    private final UUID project;

    KubernetesWorkloadFixtures() {
        tenant = createTenant(uniqueName("k8srel"), quota(16, 64, 0, 4, 0));
        project = createProject(tenant, "rel");
        token = Tokens.tenant(tenant);
        namespace = "skydeck-" + tenant;
    }

    /**
     * A Deployment of {@code replicas} running {@code image}, made through the API; its pods are
     * named {@code name-00}, {@code name-01}, … (so their order is the release's order), carry the
     * template's labels and are Ready on the image. Returns once the workload is RUNNING.
     */
    Workload deployment(String name, String image, int replicas) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", name, "image", image,
                        "kind", "Deployment", "replicas", replicas, "cpuMillis", 100, "memoryMib", 64))
                .post("/v1/workloads").then().statusCode(202).extract().response();
        Deployment stored = awaitDeployment(name);
        for (int i = 0; i < replicas; i++) {
            startPod(stored, String.format("%s-%02d", name, i));
        }
        stored.setStatus(new DeploymentStatusBuilder().withObservedGeneration(stored.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas).withAvailableReplicas(replicas)
                .addNewCondition().withType("Available").withStatus("True").withReason("MinimumReplicasAvailable").endCondition()
                .addNewCondition().withType("Progressing").withStatus("True").withReason("NewReplicaSetAvailable").endCondition()
                .build());
        client().resource(stored).updateStatus();
        String state = awaitFinished(token, accepted.path("operation.id")).path("state");
        if (!"SUCCEEDED".equals(state)) {
            throw new AssertionError("workload " + name + " was not created: " + state);
        }
        return new Workload(accepted.path("resource.id"), namespace, name, pods(name).stream().map(p -> p.getMetadata().getName()).toList());
    }

    /**
     * Plays the ReplicaSet controller replacing a pod: the pod is deleted and a new one, named
     * {@code newName}, starts from the Deployment's template (its image) and is Ready.
     */
    void replacePod(Workload w, String pod, String newName) {
        client().pods().inNamespace(namespace).withName(pod).delete();
        startPod(client().apps().deployments().inNamespace(namespace).withName(w.name()).get(), newName);
    }

    /** A Service {@code name} selecting the workload's pods (not yet the traffic label: Skydeck adopts it). */
    String service(Workload w) {
        Deployment d = client().apps().deployments().inNamespace(namespace).withName(w.name()).get();
        client().services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withName(w.name()).withNamespace(namespace).endMetadata()
                .withNewSpec().withSelector(d.getSpec().getSelector().getMatchLabels()).addNewPort().withPort(80).endPort().endSpec()
                .build()).create();
        return namespace + "/" + w.name();
    }

    String application() {
        return as(token).body(Map.of("name", uniqueName("shop"))).post("/v1/applications").then().statusCode(201).extract().path("id");
    }

    String group(String app, Workload w, String trafficTarget) {
        return as(token).body(Map.of("name", uniqueName("pods"), "workloadId", w.id(), "trafficTarget", trafficTarget))
                .post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
    }

    String version(String app, String name, String image) {
        return as(token).body(Map.of("name", name, "image", image)).post("/v1/applications/" + app + "/versions")
                .then().statusCode(201).extract().path("id");
    }

    Response release(Map<String, Object> body) {
        return as(token).body(body).post("/v1/releases").then().extract().response();
    }

    Response act(String release, String action) {
        return as(token).post("/v1/releases/" + release + "/" + action).then().extract().response();
    }

    /** Polls the release until it is in one of {@code states} with no step running; fails after 60 s. */
    Response awaitState(String release, String... states) {
        List<String> wanted = List.of(states);
        return await(release, r -> wanted.contains(r.<String>path("state"))
                && r.<List<String>>path("instances.step").stream().allMatch(s -> s == null), "state " + wanted);
    }

    Response await(String release, Predicate<Response> done, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Response r = as(token).get("/v1/releases/" + release).then().statusCode(200).extract().response();
            if (done.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("release " + release + " did not reach " + what + " in 60 s: " + r.asString());
            }
            ReleaseFixtures.sleep(50);
        }
    }

    List<Map<String, Object>> events(String release) {
        return as(token).queryParam("limit", 500).get("/v1/releases/" + release + "/events").then().statusCode(200)
                .extract().path("items");
    }

    /** The workload's pods now, by name. */
    List<Pod> pods(String workload) {
        return client().pods().inNamespace(namespace).withLabel("skydeck.io/workload", workload).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
    }

    Pod pod(String name) {
        return client().pods().inNamespace(namespace).withName(name).get();
    }

    static String image(Pod pod) {
        return pod.getSpec().getContainers().get(0).getImage();
    }

    static String traffic(Pod pod) {
        return pod.getMetadata().getLabels().get("skydeck.io/traffic");
    }

    Deployment deployment(Workload w) {
        return client().apps().deployments().inNamespace(namespace).withName(w.name()).get();
    }

    String templateImage(Workload w) {
        return deployment(w).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    /** The workload as the service's API shows it. */
    Response workloadRecord(Workload w) {
        return as(token).get("/v1/workloads/" + w.id()).then().statusCode(200).extract().response();
    }

    private void startPod(Deployment d, String name) {
        var template = d.getSpec().getTemplate();
        String image = template.getSpec().getContainers().get(0).getImage();
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(template.getMetadata().getLabels()).endMetadata()
                .withSpec(template.getSpec())
                .build();
        client().pods().inNamespace(namespace).resource(pod).create();
        KubernetesReleaseCluster.writeStatus(namespace, name, image, true); // the kubelet started it
    }

    private Deployment awaitDeployment(String name) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Deployment d = client().apps().deployments().inNamespace(namespace).withName(name).get();
            if (d != null) {
                return d;
            }
            ReleaseFixtures.sleep(50);
        }
        throw new AssertionError("no Deployment " + namespace + "/" + name + " was created");
    }
}
