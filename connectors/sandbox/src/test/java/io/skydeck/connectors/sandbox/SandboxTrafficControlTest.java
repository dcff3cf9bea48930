package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxTrafficControlTest {
    private static final String EAST = "sbx-east-1";
    private static final TrafficTarget WEB_LB = new TrafficTarget(EAST, "lb-web");

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(Instant.parse("2024-04-01T00:00:00Z"));
    private SandboxCloud cloud;
    private TrafficControl traffic;
    private String a;
    private String b;

    @BeforeEach
    void twoServers() {
        cloud = new SandboxCloud("sandbox", SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE), directory, clock);
        traffic = cloud.require(TrafficControl.class);
        a = server("web-1", EAST);
        b = server("web-2", EAST);
    }

    @Test
    void anyTargetIdIsALoadBalancerMadeOnFirstUse() {
        assertThat(traffic.inTraffic(WEB_LB)).isEmpty();
        assertThat(cloud.traffic().loadBalancer(WEB_LB)).isEmpty();

        traffic.pullIn(WEB_LB, a);

        assertThat(traffic.inTraffic(WEB_LB)).containsExactly(a);
        assertThat(cloud.traffic().loadBalancer(WEB_LB)).contains(
                new SandboxLoadBalancer(EAST, "lb-web", List.of(a), Optional.empty(), Optional.empty()));
    }

    @Test
    void pullingInAndOutTwiceChangesNothingTheSecondTime() {
        traffic.pullIn(WEB_LB, a);
        traffic.pullIn(WEB_LB, b);
        traffic.pullIn(WEB_LB, b);
        assertThat(traffic.inTraffic(WEB_LB)).containsExactly(a, b);

        traffic.pullOut(WEB_LB, a);
        traffic.pullOut(WEB_LB, a);
        assertThat(traffic.inTraffic(WEB_LB)).containsExactly(b);

        // Another target is another load balancer.
        var other = new TrafficTarget(EAST, "lb-api");
        traffic.pullOut(other, b);
        assertThat(traffic.inTraffic(other)).isEmpty();
        assertThat(traffic.inTraffic(WEB_LB)).containsExactly(b);
    }

    @Test
    void anUnknownInstanceOrRegionIsNotFoundAndRecordsNothing() {
        assertThatThrownBy(() -> traffic.pullIn(WEB_LB, "srv-999999"))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.SERVER));
        assertThatThrownBy(() -> traffic.pullOut(WEB_LB, "acme/web-0"))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.WORKLOAD));
        String west = server("west-1", "sbx-west-1");
        assertThatThrownBy(() -> traffic.pullIn(WEB_LB, west)).isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> traffic.pullIn(new TrafficTarget("nowhere-1", "lb-web"), a))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.REGION));

        assertThat(cloud.traffic().loadBalancer(WEB_LB)).isEmpty();
    }

    @Test
    void podsOfAWorkloadGoInAndOutLikeServers() {
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 2, 100, 128),
                IdempotencyToken.of("w-1"));
        var service = new TrafficTarget(EAST, "acme/web");
        traffic.pullIn(service, "acme/web-0");
        traffic.pullIn(service, "acme/web-1");
        traffic.pullOut(service, "acme/web-0");
        assertThat(traffic.inTraffic(service)).containsExactly("acme/web-1");
    }

    @Test
    void aDeletedServerNoLongerReceivesTraffic() {
        traffic.pullIn(WEB_LB, a);
        traffic.pullIn(WEB_LB, b);
        cloud.require(Servers.class).delete(a, IdempotencyToken.of("d-1"));

        assertThat(traffic.inTraffic(WEB_LB)).containsExactly(b);
    }

    @Test
    void weightsAndHeaderRoutesAreRecordedAndAHeaderRouteEndsWithANullHeader() {
        traffic.pullIn(WEB_LB, a);
        traffic.pullIn(WEB_LB, b);
        assertThat(traffic.weighsTraffic()).isTrue();
        assertThat(traffic.routesByHeader()).isTrue();

        traffic.weigh(WEB_LB, Set.of(b), 10);
        traffic.routeByHeader(WEB_LB, Set.of(a), "X-Variant", "b");

        var lb = cloud.traffic().loadBalancer(WEB_LB).orElseThrow();
        assertThat(lb.split()).contains(new SandboxLoadBalancer.WeightedSplit(List.of(b), 10));
        assertThat(lb.headerRoute()).contains(new SandboxLoadBalancer.HeaderRoute(List.of(a), "X-Variant", "b"));
        assertThat(lb.members()).containsExactly(a, b);

        traffic.routeByHeader(WEB_LB, Set.of(), null, null);
        assertThat(cloud.traffic().loadBalancer(WEB_LB).orElseThrow().headerRoute()).isEmpty();
        assertThat(cloud.traffic().loadBalancer(WEB_LB).orElseThrow().split()).isPresent();
        traffic.weigh(WEB_LB, Set.of(), 0); // no canary instances: the split ends
        assertThat(cloud.traffic().loadBalancer(WEB_LB).orElseThrow().split()).isEmpty();

        assertThatThrownBy(() -> traffic.weigh(WEB_LB, Set.of(b), 101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> traffic.weigh(WEB_LB, Set.of("srv-999999"), 10)).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void aHeaderRouteSendsRequestsWithTheHeaderToTheVariantAndAllOthersToTheRest() {
        String c = server("web-3", EAST);
        traffic.pullIn(WEB_LB, a);
        traffic.pullIn(WEB_LB, b);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("X-Variant", "b"))).containsExactlyInAnyOrder(a, b);

        traffic.routeByHeader(WEB_LB, Set.of(b, c), "X-Variant", "b");
        // c is a variant but not a member: it receives nothing until it is pulled in.
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("x-variant", "b"))).containsExactly(b);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("X-Variant", "a"))).containsExactly(a);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of())).containsExactly(a);
        traffic.pullIn(WEB_LB, c);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("X-Variant", "b"))).containsExactlyInAnyOrder(b, c);

        // With no variant member left, requests with the header fall through to the rest.
        traffic.pullOut(WEB_LB, b);
        traffic.pullOut(WEB_LB, c);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("X-Variant", "b"))).containsExactly(a);

        traffic.routeByHeader(WEB_LB, Set.of(), null, null);
        traffic.pullIn(WEB_LB, b);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("X-Variant", "b"))).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void aCookieRouteMatchesOneOfTheRequestsCookiePairs() {
        traffic.pullIn(WEB_LB, a);
        traffic.pullIn(WEB_LB, b);
        traffic.routeByHeader(WEB_LB, Set.of(b), "Cookie", "ab=b");
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("Cookie", "id=7; ab=b"))).containsExactly(b);
        assertThat(cloud.traffic().route(WEB_LB, java.util.Map.of("Cookie", "id=7; ab=bb"))).containsExactly(a);
    }

    @Test
    void loadBalancersSurviveARestart() {
        traffic.pullIn(WEB_LB, a);
        traffic.weigh(WEB_LB, Set.of(a), 25);

        var reopened = new SandboxCloud("sandbox", SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE),
                directory, clock);

        assertThat(reopened.require(TrafficControl.class).inTraffic(WEB_LB)).containsExactly(a);
        assertThat(reopened.traffic().loadBalancer(WEB_LB).orElseThrow().split())
                .contains(new SandboxLoadBalancer.WeightedSplit(List.of(a), 25));
    }

    private String server(String name, String region) {
        return cloud.require(Servers.class).create(ServerSpec.of(name, region, "m1.small", "ubuntu-22.04"),
                IdempotencyToken.of("c-" + name)).resource().id();
    }
}
