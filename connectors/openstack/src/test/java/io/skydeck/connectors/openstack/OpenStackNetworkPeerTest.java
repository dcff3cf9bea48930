package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import io.skydeck.connectors.spi.SubnetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.network.IP;
import org.openstack4j.model.network.IPVersionType;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.Router;
import org.openstack4j.model.network.options.PortListOptions;
import org.openstack4j.openstack.OSFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tenant networks, routers, security groups and floating IPs on the real OpenStack peer's
 * Neutron, in the demo project. Skipped, with the reason, when SKYDECK_OPENSTACK_PEER_URL is
 * not set.
 *
 * <p>The peer's Neutron has no agents, so no port binds and no server boots with a NIC. What a
 * floating IP needs of a server is a port whose device is the server; the test makes such a
 * port itself (it stays DOWN, which Neutron's API does not mind). The external network the
 * floating IPs and router gateways come from is created by admin for the class, owned by the
 * demo project and not shared, so the admin project — where other tests boot servers without a
 * NIC — still sees no network.
 */
@Tag("openstack-peer")
class OpenStackNetworkPeerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String EXTERNAL_CIDR = "203.0.113.0/24";
    private static String url;
    private static String externalNetworkId;
    private static OpenStackCloud demo;

    @BeforeAll
    static void connect() {
        url = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
        if (url == null || url.isBlank()) {
            return;
        }
        String region = OpenStackPeerTest.env("SKYDECK_OPENSTACK_PEER_REGION", "RegionOne");
        OSClientV3 admin = OpenStackPeerTest.adminClient(url);
        String demoProject = admin.identity().projects().getByName("demo", "default").getId();
        var external = admin.networking().network().create(Builders.network()
                .name("skydeck-peer-public-" + UUID.randomUUID().toString().substring(0, 8))
                .tenantId(demoProject).isRouterExternal(true).adminStateUp(true).build());
        externalNetworkId = external.getId();
        admin.networking().subnet().create(Builders.subnet().name("skydeck-peer-public").networkId(externalNetworkId)
                .tenantId(demoProject).cidr(EXTERNAL_CIDR).ipVersion(IPVersionType.V4).enableDHCP(false).build());
        demo = OpenStackCloud.connect(OpenStackConfig.of("openstack-peer-net", url, "demo",
                OpenStackPeerTest.password("SKYDECK_OPENSTACK_PEER_DEMO_PASSWORD", "demo-secret"), "demo", region)
                .withFloatingIpPool(externalNetworkId));
    }

    @BeforeEach
    void requirePeer() {
        assumeTrue(demo != null,
                "SKYDECK_OPENSTACK_PEER_URL is not set: start the peer with .ci/openstack-peer.sh up and export it (see connectors/openstack/README.md)");
    }

    @AfterAll
    static void close() {
        if (demo != null) {
            demo.close();
            // Deleting the network deletes its subnet; it fails loudly if a test left a port on it.
            assertThat(OpenStackPeerTest.adminClient(url).networking().network().delete(externalNetworkId).isSuccess())
                    .as("the external network is left with nothing on it").isTrue();
        }
    }

    @Test
    void aVpcIsANetworkWhoseRouterHasEachSubnetAsAnInterfaceAndAGatewayOnTheExternalNetwork() {
        Networks networks = demo.require(Networks.class);
        String suffix = suffix();
        IdempotencyToken token = IdempotencyToken.of("peer-vpc-" + suffix);
        OperationHandle network = networks.createNetwork(new NetworkSpec("skydeck-vpc-" + suffix, region(), Optional.empty(), Map.of()), token);
        String networkId = network.resource().id();
        assertThat(await(network)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(networks.createNetwork(new NetworkSpec("skydeck-vpc-" + suffix, region(), Optional.empty(), Map.of()), token)
                .resource().id()).as("a repeat finds the network").isEqualTo(networkId);

        Router router = router(networkId).orElseThrow(() -> new AssertionError("no router skydeck-router-" + networkId));
        assertThat(router.getExternalGatewayInfo().getNetworkId()).isEqualTo(externalNetworkId);
        assertThat(routers(networkId)).as("the repeat made no second router").hasSize(1);

        OperationHandle v4 = networks.createSubnet(new SubnetSpec(networkId, "v4-" + suffix, "10.61.0.0/24", Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-v4-" + suffix));
        OperationHandle v6 = networks.createSubnet(new SubnetSpec(networkId, "v6-" + suffix, "2001:db8:61::/64", Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-v6-" + suffix));
        assertThat(await(v4)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(await(v6)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(interfaceSubnets(router.getId())).containsExactlyInAnyOrder(v4.resource().id(), v6.resource().id());
        assertThat(networks.listSubnets(networkId)).extracting(s -> s.cidr()).containsExactlyInAnyOrder("10.61.0.0/24", "2001:db8:61::/64");

        assertThat(await(networks.deleteSubnet(v6.resource().id(), IdempotencyToken.of("peer-v6-" + suffix))))
                .isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(interfaceSubnets(router.getId())).containsExactly(v4.resource().id());

        assertThat(await(networks.deleteNetwork(networkId, token))).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(router(networkId)).as("the router went with its network").isEmpty();
        assertThat(networks.getNetwork(networkId)).isEmpty();
        assertThat(networks.getSubnet(v4.resource().id())).isEmpty();
    }

    @Test
    void aPeeringGivesOneRouterAPortOnTheOthersSubnetAndTheOtherRouterARouteBackAndItsDeleteTakesBothAway() {
        Networks networks = demo.require(Networks.class);
        NetworkPeerings peerings = demo.require(NetworkPeerings.class);
        String suffix = suffix();
        String a = networks.createNetwork(new NetworkSpec("skydeck-pa-" + suffix, region(), Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-pa-" + suffix)).resource().id();
        String b = networks.createNetwork(new NetworkSpec("skydeck-pb-" + suffix, region(), Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-pb-" + suffix)).resource().id();
        String subnetA = networks.createSubnet(new SubnetSpec(a, "pa-" + suffix, "10.63.0.0/24", Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-psa-" + suffix)).resource().id();
        String subnetB = networks.createSubnet(new SubnetSpec(b, "pb-" + suffix, "10.64.0.0/24", Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-psb-" + suffix)).resource().id();
        IdempotencyToken token = IdempotencyToken.of("peer-link-" + suffix);
        PeeringSpec spec = new PeeringSpec(new PeeringSpec.NetworkSide(region(), a, "10.63.0.0/16"),
                new PeeringSpec.NetworkSide(region(), b, "10.64.0.0/16"), Map.of("skydeck-link", "l-" + suffix));
        try {
            assertThat(peerings.acrossRegions()).isFalse();
            OperationHandle created = peerings.createPeering(spec, token);
            assertThat(await(created)).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(peerings.createPeering(spec, token).resource().id()).as("a repeat finds the peering").isEqualTo(created.resource().id());

            Router routerA = router(a).orElseThrow();
            Router routerB = router(b).orElseThrow();
            assertThat(interfaceSubnets(routerA.getId())).as("a's router routes to b's subnet").containsExactlyInAnyOrder(subnetA, subnetB);
            List<? extends Port> peeringPorts = raw().networking().port().list(PortListOptions.create().deviceId(routerA.getId()).networkId(b));
            assertThat(peeringPorts).as("one new port on b's subnet, made by the repeat-safe create once").hasSize(1);
            String portAddress = peeringPorts.get(0).getFixedIps().iterator().next().getIpAddress();
            assertThat(portAddress).startsWith("10.64.0.").isNotEqualTo("10.64.0.1");
            Router reread = raw().networking().router().get(routerB.getId());
            assertThat(reread.getRoutes()).extracting(r -> r.getDestination() + " via " + r.getNexthop())
                    .containsExactly("10.63.0.0/16 via " + portAddress);
            assertThat(reread.getExternalGatewayInfo().getNetworkId()).as("the route update kept b's gateway").isEqualTo(externalNetworkId);

            ProviderPeering found = peerings.findPeeringByToken(token).orElseThrow();
            assertThat(found.id()).isEqualTo(created.resource().id());
            assertThat(found.networkId()).isEqualTo(a);
            assertThat(found.peerNetworkId()).isEqualTo(b);
            assertThat(found.tags()).containsEntry("skydeck-link", "l-" + suffix);
            assertThatThrownBy(() -> networks.deleteNetwork(b, IdempotencyToken.of("peer-pb-" + suffix)))
                    .as("a peered network is in use").isInstanceOf(RequestRejected.class);

            OperationHandle deleted = peerings.deletePeering(found.id(), IdempotencyToken.of("peer-unlink-" + suffix));
            assertThat(await(deleted)).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(peerings.getPeering(found.id())).isEmpty();
            assertThat(interfaceSubnets(routerA.getId())).containsExactly(subnetA);
            assertThat(raw().networking().port().list(PortListOptions.create().networkId(b)).stream()
                    .filter(port -> routerA.getId().equals(port.getDeviceId()))).as("the port went with the interface").isEmpty();
            assertThat(raw().networking().router().get(routerB.getId()).getRoutes()).isNullOrEmpty();
            assertThatThrownBy(() -> peerings.deletePeering(found.id(), IdempotencyToken.of("peer-unlink-" + suffix)))
                    .isInstanceOf(ResourceNotFound.class);
        } finally {
            peerings.findPeeringByToken(token).ifPresent(p -> peerings.deletePeering(p.id(), IdempotencyToken.of("peer-unlink-" + suffix)));
            await(networks.deleteNetwork(a, IdempotencyToken.of("peer-pa-" + suffix)));
            await(networks.deleteNetwork(b, IdempotencyToken.of("peer-pb-" + suffix)));
        }
    }

    @Test
    void aFloatingIpComesFromTheExternalNetworkPointsAtTheServersPortAndTheNetworkIsNotDeletedUnderIt() {
        Networks networks = demo.require(Networks.class);
        PublicIps ips = demo.require(PublicIps.class);
        String suffix = suffix();
        IdempotencyToken netToken = IdempotencyToken.of("peer-fipnet-" + suffix);
        String networkId = networks.createNetwork(new NetworkSpec("skydeck-fip-" + suffix, region(), Optional.empty(), Map.of()), netToken)
                .resource().id();
        String subnetId = networks.createSubnet(new SubnetSpec(networkId, "fip-" + suffix, "10.62.0.0/24", Optional.empty(), Map.of()),
                IdempotencyToken.of("peer-fipsub-" + suffix)).resource().id();
        String serverId = UUID.randomUUID().toString();
        Port port = raw().networking().port().create(Builders.port().name("server-nic-" + suffix).networkId(networkId)
                .fixedIp(null, subnetId).deviceId(serverId).build());
        IdempotencyToken ipToken = IdempotencyToken.of("peer-fip-" + suffix);
        try {
            OperationHandle allocated = ips.allocate(new PublicIpSpec(region(), Optional.empty(), Map.of("tenant", "t-peer")), ipToken);
            assertThat(await(allocated)).isInstanceOf(OperationStatus.Succeeded.class);
            String ipId = allocated.resource().id();
            assertThat(ips.allocate(new PublicIpSpec(region(), Optional.empty(), Map.of()), ipToken).resource().id())
                    .as("a repeat finds the address").isEqualTo(ipId);
            assertThat(ips.get(ipId)).hasValueSatisfying(ip -> {
                assertThat(ip.address()).startsWith("203.0.113.");
                assertThat(ip.serverId()).isEmpty();
                assertThat(ip.token()).contains(ipToken);
                assertThat(ip.tags()).containsEntry("tenant", "t-peer");
            });

            assertThat(await(ips.associate(ipId, serverId))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(ips.get(ipId).orElseThrow().serverId()).contains(serverId);
            assertThat(raw().networking().floatingip().get(ipId).getPortId()).isEqualTo(port.getId());

            assertThatThrownBy(() -> networks.deleteNetwork(networkId, netToken))
                    .isInstanceOfSatisfying(RequestRejected.class, rejected ->
                            assertThat(rejected.providerMessage()).contains("still used by port(s) " + port.getId()));
            assertThat(router(networkId)).as("a refused delete leaves the router alone").isPresent();

            assertThat(await(ips.disassociate(ipId))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(ips.get(ipId).orElseThrow().serverId()).isEmpty();
            assertThat(await(ips.release(ipId, ipToken))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(ips.findByToken(ipToken)).isEmpty();
        } finally {
            ips.findByToken(ipToken).ifPresent(ip -> ips.release(ip.id(), ipToken));
            raw().networking().port().delete(port.getId());
            await(networks.deleteNetwork(networkId, netToken));
        }
        assertThat(networks.getNetwork(networkId)).isEmpty();
    }

    @Test
    void rulesNameARemoteGroupOrAnIpv6RangeAndRulesChangedBehindSkydecksBackAreSeenAndReapplied() {
        SecurityGroups groups = demo.require(SecurityGroups.class);
        String suffix = suffix();
        IdempotencyToken webToken = IdempotencyToken.of("peer-web-" + suffix);
        IdempotencyToken dbToken = IdempotencyToken.of("peer-db-" + suffix);
        String web = groups.create(new SecurityGroupSpec("web-" + suffix, region(), "web tier", Optional.empty(), List.of(), Map.of()), webToken)
                .resource().id();
        SecurityRule postgresFromWeb = SecurityRule.ingressTcpFromGroup(5432, web, IpFamily.IPV4);
        SecurityRule postgresFromWeb6 = SecurityRule.ingressTcpFromGroup(5432, web, IpFamily.IPV6);
        SecurityRule httpsFromDocs = SecurityRule.ingressTcp(443, "2001:db8::/32");
        SecurityRule pingFromAnywhere6 = new SecurityRule(Direction.INGRESS, Protocol.ICMP, 0, 0, "::/0");
        String db = groups.create(new SecurityGroupSpec("db-" + suffix, region(), "db tier", Optional.empty(),
                List.of(postgresFromWeb, postgresFromWeb6, httpsFromDocs, pingFromAnywhere6), Map.of()), dbToken).resource().id();
        try {
            List<SecurityRule> stored = rulesOf(groups, db);
            assertThat(stored).contains(postgresFromWeb, postgresFromWeb6, httpsFromDocs, pingFromAnywhere6);
            assertThat(stored).as("Neutron's own egress rules, read back like any other")
                    .contains(new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "0.0.0.0/0"),
                            new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "::/0"));

            // Behind Skydeck's back: the postgres rule becomes 5433.
            String postgresRuleId = ruleId(groups, db, postgresFromWeb);
            raw().networking().securityrule().delete(postgresRuleId);
            raw().networking().securityrule().create(SecurityRuleToNeutronRule.convert(db, SecurityRule.ingressTcpFromGroup(5433, web, IpFamily.IPV4)));

            var gre = raw().networking().securityrule().create(Builders.securityGroupRule().securityGroupId(db).direction("ingress")
                    .ethertype("IPv4").protocol("gre").remoteIpPrefix("198.51.100.0/24").build());

            var drifted = groups.list().stream().filter(group -> group.id().equals(db)).findFirst().orElseThrow();
            assertThat(drifted.rules()).extracting(ProviderSecurityRule::rule)
                    .doesNotContain(postgresFromWeb).contains(SecurityRule.ingressTcpFromGroup(5433, web, IpFamily.IPV4));
            assertThat(drifted.inexpressibleRules()).containsExactly(gre.getId() + ": ingress IPv4 protocol gre 198.51.100.0/24");

            OperationHandle reapplied = groups.addRule(db, postgresFromWeb);
            assertThat(await(reapplied)).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(reapplied.resource().id()).isNotEqualTo(postgresRuleId);
            assertThat(rulesOf(groups, db)).contains(postgresFromWeb);
        } finally {
            assertThat(await(groups.delete(db, dbToken))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(await(groups.delete(web, webToken))).isInstanceOf(OperationStatus.Succeeded.class);
        }
    }

    private static List<SecurityRule> rulesOf(SecurityGroups groups, String groupId) {
        return groups.get(groupId).orElseThrow().rules().stream().map(ProviderSecurityRule::rule).toList();
    }

    private static String ruleId(SecurityGroups groups, String groupId, SecurityRule rule) {
        return groups.get(groupId).orElseThrow().rules().stream().filter(r -> r.rule().equals(rule))
                .map(ProviderSecurityRule::id).findFirst().orElseThrow();
    }

    private static Optional<Router> router(String networkId) {
        return routers(networkId).stream().findFirst();
    }

    private static List<Router> routers(String networkId) {
        return raw().networking().router().list().stream()
                .filter(router -> OpenStackNetworks.routerName(networkId).equals(router.getName()))
                .map(Router.class::cast).toList();
    }

    private static Set<String> interfaceSubnets(String routerId) {
        return raw().networking().port().list(PortListOptions.create().deviceId(routerId)).stream()
                .filter(port -> "network:router_interface".equals(port.getDeviceOwner()))
                .flatMap(port -> port.getFixedIps().stream()).map(IP::getSubnetId).collect(Collectors.toSet());
    }

    /** A client of our own for looking behind the connector; made afresh because OpenStack4j binds clients to the thread. */
    private static OSClientV3 raw() {
        var domain = Identifier.byName("Default");
        return OSFactory.builderV3().endpoint(url)
                .credentials("demo", OpenStackPeerTest.password("SKYDECK_OPENSTACK_PEER_DEMO_PASSWORD", "demo-secret").resolve(System::getenv), domain)
                .scopeToProject(Identifier.byName("demo"), domain)
                .authenticate();
    }

    private static String region() {
        return OpenStackPeerTest.env("SKYDECK_OPENSTACK_PEER_REGION", "RegionOne");
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static OperationStatus await(OperationHandle handle) {
        CloudProvider cloud = demo;
        Instant deadline = Instant.now().plus(PATIENCE);
        OperationStatus status = cloud.poll(handle);
        while (!status.isFinished() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            status = cloud.poll(handle);
        }
        return status;
    }
}
