package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.WorkloadStatus;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The connector against fabric8's mock API server in CRUD mode: what it writes is what a cluster would store. */
class KubernetesCloudCrudTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String NS = "skydeck-acme";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private KubernetesCloud cloud;
    private Workloads workloads;

    @BeforeEach
    void startCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        var config = KubernetesConfig.withToken("k8s-test", "eu-1", URI.create(server.url("/")), "s3cr3t-token");
        client = KubernetesClients.fromConfig(config);
        cloud = new KubernetesCloud(config, client, Clock.fixed(NOW, ZoneOffset.UTC));
        workloads = cloud.require(Workloads.class);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        server.destroy();
    }

    @Test
    void tenantGetsALabelledNamespaceWithQuotaLimitRangeAndIsolationPolicy() {
        var quota = new TenantQuota(new ContainerResources(4000, 8192, 20), new ContainerResources(250, 256, 0));

        String namespace = cloud.tenantNamespaces().ensure("acme", quota);
        cloud.tenantNamespaces().ensure("acme", quota);  // repeatable

        assertThat(namespace).isEqualTo(NS);
        assertThat(client.namespaces().withName(NS).get().getMetadata().getLabels())
                .containsEntry("skydeck.io/tenant", "acme").containsEntry("app.kubernetes.io/managed-by", "skydeck");
        var hard = client.resourceQuotas().inNamespace(NS).withName("skydeck-quota").get().getSpec().getHard();
        assertThat(hard).containsEntry("requests.cpu", new Quantity("4000m")).containsEntry("requests.memory", new Quantity("8192Mi"))
                .containsEntry("limits.memory", new Quantity("8192Mi")).containsEntry("pods", new Quantity("20"));
        var limit = client.limitRanges().inNamespace(NS).withName("skydeck-limits").get().getSpec().getLimits().get(0);
        assertThat(limit.getType()).isEqualTo("Container");
        assertThat(limit.getDefaultRequest()).containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("256Mi"));
        assertThat(limit.getDefault()).containsEntry("memory", new Quantity("256Mi"));
        var isolation = client.network().v1().networkPolicies().inNamespace(NS).withName("skydeck-tenant-isolation").get();
        assertThat(isolation.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(isolation.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector()).isNotNull();
        assertThat(client.namespaces().list().getItems()).hasSize(1);
    }

    @Test
    void deploymentIsCreatedWithImageReplicasRequestsAndTheTokenLabel() {
        var handle = workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-1"));

        assertThat(handle.kind()).isEqualTo(OperationKind.CREATE);
        assertThat(handle.resource().id()).isEqualTo("skydeck-acme/web");
        assertThat(handle.operationId()).isEqualTo("deployment/skydeck-acme/web");
        Deployment stored = client.apps().deployments().inNamespace(NS).withName("web").get();
        assertThat(stored.getMetadata().getLabels()).containsEntry("skydeck.io/idempotency-token", "req-1");
        assertThat(stored.getSpec().getReplicas()).isEqualTo(3);
        var container = stored.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("nginx:1.27");
        assertThat(container.getResources().getRequests()).containsEntry("cpu", new Quantity("500m")).containsEntry("memory", new Quantity("512Mi"));
        assertThat(container.getResources().getLimits()).containsOnlyKeys("memory");
        assertThat(stored.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("skydeck.io/workload", "web", "skydeck.io/workload-kind", "deployment"));

        var seen = workloads.get("skydeck-acme/web").orElseThrow();
        assertThat(seen.kind()).isEqualTo(WorkloadKind.DEPLOYMENT);
        assertThat(seen.perReplica()).isEqualTo(new ContainerResources(500, 512, 1));
        assertThat(seen.token()).contains(token("req-1"));
        assertThat(seen.labels()).isEmpty();
    }

    @Test
    void statefulSetAndDaemonSetAreCreatedAsTheirOwnKinds() {
        workloads.create(spec("db", WorkloadKind.STATEFUL_SET, 2, Optional.of("eu-1a")), token("req-db"));
        workloads.create(spec("agent", WorkloadKind.DAEMON_SET, 0, Optional.empty()), token("req-agent"));

        var statefulSet = client.apps().statefulSets().inNamespace(NS).withName("db").get();
        assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(2);
        assertThat(statefulSet.getSpec().getServiceName()).isEqualTo("db");
        assertThat(statefulSet.getSpec().getTemplate().getSpec().getNodeSelector()).containsEntry("topology.kubernetes.io/zone", "eu-1a");
        assertThat(client.apps().daemonSets().inNamespace(NS).withName("agent").get()).isNotNull();
        assertThat(workloads.list()).extracting(w -> w.id() + " " + w.kind())
                .containsExactlyInAnyOrder("skydeck-acme/db STATEFUL_SET", "skydeck-acme/agent DAEMON_SET");
        assertThat(workloads.get("skydeck-acme/db").orElseThrow().zone()).contains("eu-1a");
    }

    @Test
    void sameTokenReturnsTheFirstHandleAndCreatesOneDeployment() {
        var spec = WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512);

        var first = workloads.create(spec, token("req-1"));
        var again = workloads.create(spec, token("req-1"));

        assertThat(again).isEqualTo(first);
        assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).hasSize(1);
        assertThat(workloads.findByToken(token("req-1"))).map(w -> w.id()).contains("skydeck-acme/web");
        assertThat(workloads.findByToken(token("req-unknown"))).isEmpty();
    }

    @Test
    void sameTokenWithAnotherSpecOrAnotherTokenForATakenNameIsRejected() {
        workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-1"));

        assertThatThrownBy(() -> workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.28", 3, 500, 512), token("req-1")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("from a different spec");
        assertThatThrownBy(() -> workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-2")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("already exists");
    }

    @Test
    void workloadsOutsideTenantNamespacesAreRefusedWithoutACall() {
        int before = server.getRequestCount();

        assertThatThrownBy(() -> workloads.create(WorkloadSpec.deployment("coredns", "eu-1", "kube-system", "coredns:1.11", 1, 100, 70), token("req-1")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("not a Skydeck tenant namespace");
        assertThat(server.getRequestCount()).isEqualTo(before);
    }

    @Test
    void pollFollowsTheControllerFromProgressingToSucceeded() {
        var handle = workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-1"));
        assertThat(workloads.poll(handle)).isInstanceOf(OperationStatus.InProgress.class);

        reportStatus("deployment-progressing.yaml");
        assertThat(workloads.poll(handle)).isEqualTo(new OperationStatus.InProgress(handle, "2 of 3 replicas updated"));
        assertThat(workloads.get("skydeck-acme/web").orElseThrow().status()).isEqualTo(WorkloadStatus.PROGRESSING);

        reportStatus("deployment-stable.yaml");
        var done = workloads.poll(handle);
        assertThat(done).isInstanceOf(OperationStatus.Succeeded.class);
        // The mock server stamps creationTimestamp (= acceptedAt) with the wall clock, after the fixture's
        // Available time of 2025-03-01T10:02:30Z; a condition older than the operation cannot be its end,
        // so the connector's clock says when it first saw success.
        assertThat(((OperationStatus.Succeeded) done).finishedAt()).isEqualTo(NOW);
        assertThat(cloud.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
    }

    @Test
    void pollReportsDeadlineExceededAsFailedAndQuotaRefusalAsQuotaExceeded() {
        var handle = workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-1"));

        reportStatus("deployment-deadline-exceeded.yaml");
        var failed = (OperationStatus.Failed) workloads.poll(handle);
        assertThat(failed.error()).isInstanceOf(RequestRejected.class);
        assertThat(failed.error().providerCode()).contains("ProgressDeadlineExceeded");
        assertThat(failed.error().providerMessage()).contains("has timed out progressing");

        reportStatus("deployment-quota-exceeded.yaml");
        assertThat(((OperationStatus.Failed) workloads.poll(handle)).error()).isInstanceOf(QuotaExceeded.class);
    }

    @Test
    void scaleSetsReplicasAndADaemonSetCannotBeScaled() {
        workloads.create(WorkloadSpec.deployment("web", "eu-1", NS, "nginx:1.27", 3, 500, 512), token("req-1"));
        workloads.create(spec("agent", WorkloadKind.DAEMON_SET, 0, Optional.empty()), token("req-agent"));

        var handle = workloads.scale("skydeck-acme/web", 5);

        assertThat(handle.kind()).isEqualTo(OperationKind.SCALE);
        assertThat(client.apps().deployments().inNamespace(NS).withName("web").get().getSpec().getReplicas()).isEqualTo(5);
        assertThat(workloads.get("skydeck-acme/web").orElseThrow().desiredReplicas()).isEqualTo(5);
        assertThatThrownBy(() -> workloads.scale("skydeck-acme/agent", 2)).isInstanceOf(RequestRejected.class)
                .hasMessageContaining("DaemonSet");
    }

    @Test
    void deleteRemovesTheWorkloadThenItsPollSucceedsAndASecondDeleteFindsNothing() {
        workloads.create(spec("db", WorkloadKind.STATEFUL_SET, 2, Optional.empty()), token("req-db"));

        var handle = workloads.delete("skydeck-acme/db", token("del-db"));

        assertThat(handle.operationId()).isEqualTo("statefulset/skydeck-acme/db");
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("db").get()).isNull();
        assertThat(workloads.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, NOW));
        assertThatThrownBy(() -> workloads.delete("skydeck-acme/db", token("del-db"))).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void nodeCapacityIsAllocatableMinusRequestsOfPodsStillHoldingThem() {
        client.resource(node("node-a", "eu-1a", "3920m", "15Gi", "110", true)).create();
        client.resource(node("node-b", "eu-1b", "4", "16Gi", "110", false)).create();  // NotReady: nothing free
        client.resource(pod("web-1", "node-a", "500m", "512Mi", "Running")).create();
        client.resource(pod("web-2", "node-a", "1", "1Gi", "Pending")).create();
        client.resource(pod("job-1", "node-a", "2", "4Gi", "Succeeded")).create();  // finished: releases its requests

        List<ContainerCapacity> pools = cloud.require(Inventory.class).containerCapacity("eu-1");

        // node-a: 3920 - 500 - 1000 = 2420 m; 15360 - 512 - 1024 = 13824 MiB; 110 - 2 = 108 pods
        assertThat(pools).containsExactlyInAnyOrder(
                new ContainerCapacity("node-a", "eu-1", "eu-1a", new ContainerResources(3920, 15360, 110), new ContainerResources(2420, 13824, 108)),
                new ContainerCapacity("node-b", "eu-1", "eu-1b", new ContainerResources(4000, 16384, 110), ContainerResources.NONE));
        assertThat(cloud.regions()).singleElement().satisfies(region -> assertThat(region.zones()).containsExactly("eu-1a", "eu-1b"));
        assertThatThrownBy(() -> cloud.require(Inventory.class).containerCapacity("us-1")).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void securityGroupBecomesANetworkPolicyWithIngressRulesAndDefaultEgress() {
        var groups = cloud.require(SecurityGroups.class);
        var spec = new SecurityGroupSpec("web", "eu-1", "web tier", Optional.of(NS),
                List.of(SecurityRule.ingressTcp(443, "0.0.0.0/0"),
                        new SecurityRule(SecurityRule.Direction.INGRESS, SecurityRule.Protocol.UDP, 5000, 5010, "10.20.0.0/16")),
                Map.of("cost-center", "42"));

        var handle = groups.create(spec, token("sg-1"));

        assertThat(groups.create(spec, token("sg-1"))).isEqualTo(handle);
        var policy = client.network().v1().networkPolicies().inNamespace(NS).withName("web").get();
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of("security-group.skydeck.io/web", "member"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        var https = policy.getSpec().getIngress().get(0);
        assertThat(https.getFrom()).isEmpty();  // "anywhere"
        assertThat(https.getPorts().get(0).getProtocol()).isEqualTo("TCP");
        assertThat(https.getPorts().get(0).getPort().getIntVal()).isEqualTo(443);
        var udp = policy.getSpec().getIngress().get(1);
        assertThat(udp.getFrom().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
        assertThat(udp.getPorts().get(0).getEndPort()).isEqualTo(5010);
        assertThat(policy.getSpec().getEgress()).singleElement().satisfies(egress -> {
            assertThat(egress.getTo()).isEmpty();
            assertThat(egress.getPorts()).isEmpty();
        });

        var group = groups.get("skydeck-acme/web").orElseThrow();
        assertThat(group.rules()).extracting(r -> r.id()).containsExactly(
                "ingress:tcp:443-443:0.0.0.0/0", "ingress:udp:5000-5010:10.20.0.0/16", "egress:any:0-0:0.0.0.0/0");
        assertThat(group.tags()).isEqualTo(Map.of("cost-center", "42"));
        assertThat(group.description()).isEqualTo("web tier");
        assertThat(groups.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
    }

    @Test
    void rulesAreAddedOnceRemovedByIdAndIcmpIsRefused() {
        var groups = cloud.require(SecurityGroups.class);
        groups.create(new SecurityGroupSpec("db", "eu-1", "db tier", Optional.of(NS), List.of(), Map.of()), token("sg-db"));
        var postgres = new SecurityRule(SecurityRule.Direction.INGRESS, SecurityRule.Protocol.TCP, 5432, 5432, "10.0.0.0/8");

        var added = groups.addRule("skydeck-acme/db", postgres);
        var addedAgain = groups.addRule("skydeck-acme/db", postgres);

        assertThat(addedAgain.resource()).isEqualTo(added.resource());
        assertThat(groups.get("skydeck-acme/db").orElseThrow().rules()).extracting(r -> r.rule()).containsOnlyOnce(postgres);
        assertThat(groups.poll(added)).isInstanceOf(OperationStatus.Succeeded.class);

        var removed = groups.removeRule("skydeck-acme/db", added.resource().id());
        assertThat(groups.get("skydeck-acme/db").orElseThrow().rules()).extracting(r -> r.rule()).doesNotContain(postgres);
        assertThat(groups.poll(removed)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThatThrownBy(() -> groups.addRule("skydeck-acme/db",
                new SecurityRule(SecurityRule.Direction.INGRESS, SecurityRule.Protocol.ICMP, 0, 0, "10.0.0.0/8")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("ICMP");
        assertThatThrownBy(() -> groups.removeRule("skydeck-acme/db", "ingress:tcp:1-1:1.2.3.4/32")).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void healthIsUpAndTheConfigNeverPrintsTheToken() {
        assertThat(cloud.health().state()).isEqualTo(io.skydeck.connectors.spi.ProviderHealth.State.UP);
        var config = KubernetesConfig.withToken("k8s-test", "eu-1", URI.create(server.url("/")), "s3cr3t-token");
        assertThat(config.toString()).doesNotContain("s3cr3t-token").contains("redacted");
    }

    /** Plays the Deployment controller: writes a fixture's status block onto the stored object. */
    private void reportStatus(String fixture) {
        var status = Fixtures.load(fixture, Deployment.class).getStatus();
        var stored = client.apps().deployments().inNamespace(NS).withName("web").get();
        status.setObservedGeneration(stored.getMetadata().getGeneration());
        stored.setStatus(status);
        client.resource(stored).updateStatus();
    }

    private static WorkloadSpec spec(String name, WorkloadKind kind, int replicas, Optional<String> zone) {
        return new WorkloadSpec(name, "eu-1", zone, NS, kind, "busybox:1.36", replicas, new ContainerResources(100, 64, 1), Map.of());
    }

    private static IdempotencyToken token(String value) {
        return IdempotencyToken.of(value);
    }

    private static io.fabric8.kubernetes.api.model.Node node(String name, String zone, String cpu, String memory, String pods, boolean ready) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("topology.kubernetes.io/zone", zone)).endMetadata()
                .withNewStatus()
                .withAllocatable(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory), "pods", new Quantity(pods)))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus().build();
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(String name, String node, String cpu, String memory, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("main").withImage("busybox")
                .withNewResources().withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory))).endResources()
                .endContainer().endSpec()
                .withNewStatus().withPhase(phase).endStatus().build();
    }
}
