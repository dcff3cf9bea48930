package io.skydeck.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.PolicyValidator;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityGroupDraft;
import io.skydeck.network.policy.SecurityRule;
import io.skydeck.network.reachability.Endpoint;
import io.skydeck.network.reachability.Link;
import io.skydeck.network.reachability.Peer;
import io.skydeck.network.reachability.Subnet;
import io.skydeck.network.reachability.Topology;
import io.skydeck.network.reachability.Vpc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * The reachability harness's drawn estate as rows of the running service's own tables (network,
 * subnet, network_link, security_group, security_group_member, server, public_ip), written with
 * JDBC in one transaction as the create paths leave them once their operations are done: every
 * object AVAILABLE / ACTIVE / ALLOCATED, with provider ids, rules stored in the service's JSON
 * form. Creating 1,000 groups and 4,000 servers through the API would time the sandbox, not the
 * question. The V31 triggers bump the tenant's topology version at the commit, as for any change.
 *
 * <p>{@link #asServiceReadsIt} is the same estate as {@code ReachabilityService} builds it from
 * these rows (UUID ids, every endpoint a server, a server's groups in name order, groups read
 * back through {@link PolicyValidator}), so the harness can ask the library the questions it sends
 * the endpoint and compare the answers.
 */
final class ServiceEstate {

    static final String PROVIDER = "sandbox";
    static final String REGION = "sbx-east-1";

    final UUID tenantId;
    final UUID projectId;
    /** The drawn estate's ids (vpc-0, subnet-0-1, sg-5, ep-7, the links') to the rows' ids. */
    final Map<String, UUID> ids = new HashMap<>();
    /** Group rows' names: zero-padded, so PostgreSQL's name order (any collation) is Java's. */
    final Map<String, String> groupNames = new HashMap<>();
    final Map<UUID, List<SecurityGroupDraft.Rule>> storedRules = new HashMap<>();
    final Map<UUID, String> publicAddressOf = new HashMap<>();
    final Map<UUID, UUID> publicIpOf = new HashMap<>();
    private final Topology drawn;

    private ServiceEstate(Topology drawn, UUID tenantId, UUID projectId) {
        this.drawn = drawn;
        this.tenantId = tenantId;
        this.projectId = projectId;
        Random ids = new Random(7);
        for (Vpc v : drawn.vpcs()) {
            this.ids.put(v.id(), new UUID(ids.nextLong(), ids.nextLong()));
            v.subnets().forEach(s -> this.ids.put(s.id(), new UUID(ids.nextLong(), ids.nextLong())));
        }
        drawn.links().forEach(l -> this.ids.put(l.id(), new UUID(ids.nextLong(), ids.nextLong())));
        for (SecurityGroup g : drawn.groups()) {
            this.ids.put(g.id(), new UUID(ids.nextLong(), ids.nextLong()));
            groupNames.put(g.id(), String.format("group-%05d", Integer.parseInt(g.id().substring(3))));
        }
        endpoints().forEach(e -> this.ids.put(e.id(), new UUID(ids.nextLong(), ids.nextLong())));
    }

    /** Writes {@code drawn} into the service's database for the tenant and project, then ANALYZEs the tables. */
    static ServiceEstate seed(String jdbcUrl, Topology drawn, UUID tenantId, UUID projectId) throws Exception {
        ServiceEstate estate = new ServiceEstate(drawn, tenantId, projectId);
        ObjectMapper json = new ObjectMapper();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            c.setAutoCommit(false);
            estate.networks(c);
            estate.links(c);
            estate.groups(c, json);
            estate.servers(c);
            c.commit();
            try (Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                // As autovacuum would have by now on tables that grew over time.
                s.execute("ANALYZE network, subnet, network_link, security_group, security_group_member, server, public_ip, "
                        + "network_topology_version");
            }
        }
        return estate;
    }

    private List<Endpoint> endpoints() {
        return drawn.peers().stream().filter(p -> p instanceof Endpoint).map(p -> (Endpoint) p).toList();
    }

    private void networks(Connection c) throws Exception {
        try (PreparedStatement network = c.prepareStatement("""
                INSERT INTO network (id, tenant_id, project_id, name, cidr, ipv6_cidr, provider, region, provider_network_id, status,
                    created_at, updated_at, version, is_default)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'AVAILABLE', now(), now(), 1, false)""");
             PreparedStatement subnet = c.prepareStatement("""
                INSERT INTO subnet (id, network_id, tenant_id, zone, cidr, provider_subnet_id, status, created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, 'AVAILABLE', now(), now(), 1)""")) {
            for (Vpc v : drawn.vpcs()) {
                UUID id = ids.get(v.id());
                network.setObject(1, id);
                network.setObject(2, tenantId);
                network.setObject(3, projectId);
                network.setString(4, v.id());
                network.setString(5, v.cidrs().get(0).toString());
                network.setString(6, v.cidrs().size() > 1 ? v.cidrs().get(1).toString() : null);
                network.setString(7, PROVIDER);
                network.setString(8, REGION);
                network.setString(9, "sbx-net-" + id);
                network.addBatch();
                for (Subnet s : v.subnets()) {
                    subnet.setObject(1, ids.get(s.id()));
                    subnet.setObject(2, id);
                    subnet.setObject(3, tenantId);
                    subnet.setString(4, zone(s));
                    subnet.setString(5, s.cidr().toString());
                    subnet.setString(6, "sbx-subnet-" + ids.get(s.id()));
                    subnet.addBatch();
                }
            }
            network.executeBatch();
            subnet.executeBatch();
        }
    }

    /** zone-a → sbx-east-1a: the sandbox region's zones. */
    private static String zone(Subnet s) {
        return REGION + s.zone().substring("zone-".length());
    }

    private void links(Connection c) throws Exception {
        try (PreparedStatement link = c.prepareStatement("""
                INSERT INTO network_link (id, tenant_id, network_a, network_b, kind, status, provider_link_a, provider_link_b,
                    endpoint_a, endpoint_b, pre_shared_key, created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, 'AVAILABLE', ?, ?, ?, ?, ?, now(), now(), 1)""")) {
            int n = 0;
            for (Link l : drawn.links()) {
                UUID[] pair = ordered(ids.get(l.vpcA()), ids.get(l.vpcB()));
                boolean vpn = l.kind() == Link.Kind.VPN;
                link.setObject(1, ids.get(l.id()));
                link.setObject(2, tenantId);
                link.setObject(3, pair[0]);
                link.setObject(4, pair[1]);
                link.setString(5, l.kind().name());
                link.setString(6, (vpn ? "sbx-vpn-a-" : "sbx-pcx-") + ids.get(l.id()));
                link.setString(7, vpn ? "sbx-vpn-b-" + ids.get(l.id()) : null);
                link.setString(8, vpn ? "198.51.100." + (2 * n + 1) : null);
                link.setString(9, vpn ? "198.51.100." + (2 * n + 2) : null);
                link.setString(10, vpn ? UUID.randomUUID().toString().replace("-", "") : null);
                link.addBatch();
                n++;
            }
            link.executeBatch();
        }
    }

    /** A link's pair in id order, as the table's CHECK (network_a < network_b) wants it. */
    private static UUID[] ordered(UUID a, UUID b) {
        return uuidOrderLessOrEqual(a, b) ? new UUID[] {a, b} : new UUID[] {b, a};
    }

    /** PostgreSQL orders uuids by their bytes, unsigned; Java's {@code UUID.compareTo} by signed longs. */
    private static boolean uuidOrderLessOrEqual(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return (high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits())) <= 0;
    }

    private void groups(Connection c, ObjectMapper json) throws Exception {
        try (PreparedStatement group = c.prepareStatement("""
                INSERT INTO security_group (id, tenant_id, project_id, network_id, name, description, provider, region, provider_group_id,
                    rules, status, created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'AVAILABLE', now(), now(), 1)""")) {
            int g = 0;
            for (SecurityGroup drawnGroup : drawn.groups()) {
                UUID id = ids.get(drawnGroup.id());
                List<SecurityGroupDraft.Rule> rules = drawnGroup.rules().stream().map(this::stored).toList();
                storedRules.put(id, rules);
                group.setObject(1, id);
                group.setObject(2, tenantId);
                group.setObject(3, projectId);
                group.setObject(4, ids.get(drawn.vpcs().get(g++ % drawn.vpcs().size()).id()));
                group.setString(5, groupNames.get(drawnGroup.id()));
                group.setString(6, "reachability bench");
                group.setString(7, PROVIDER);
                group.setString(8, REGION);
                group.setString(9, "sbx-sg-" + id);
                group.setString(10, json.writeValueAsString(rules));
                group.addBatch();
            }
            group.executeBatch();
        }
    }

    /** As SecurityRules.store writes a rule: labels, ports only for tcp/udp, the remote group by its row's id. */
    private SecurityGroupDraft.Rule stored(SecurityRule rule) {
        Integer from = rule.protocol().hasPorts() ? rule.ports().from() : null;
        Integer to = rule.protocol().hasPorts() ? rule.ports().to() : null;
        String cidr = rule.remote() instanceof Remote.Range range ? range.cidr().toString() : null;
        String remoteGroup = rule.remote() instanceof Remote.Group g ? ids.get(g.groupId()).toString() : null;
        return new SecurityGroupDraft.Rule(rule.direction().label(), rule.protocol().label(), from, to, cidr, remoteGroup);
    }

    private void servers(Connection c) throws Exception {
        try (PreparedStatement server = c.prepareStatement("""
                INSERT INTO server (id, tenant_id, project_id, name, flavor, image, provider, region, zone, host, provider_server_id,
                    status, vcpu, memory_mib, gpu, hourly_price, created_at, updated_at, version, network_id, subnet_id, private_address)
                VALUES (?, ?, ?, ?, 'm1.small', 'debian-12', ?, ?, ?, ?, ?, 'ACTIVE', 1, 2048, 0, 0.02, now(), now(), 1, ?, ?, ?)""");
             PreparedStatement member = c.prepareStatement("""
                INSERT INTO security_group_member (group_id, target_type, target_id, tenant_id) VALUES (?, 'server', ?, ?)""");
             PreparedStatement publicIp = c.prepareStatement("""
                INSERT INTO public_ip (id, tenant_id, project_id, provider, region, provider_public_ip_id, address, server_id, status,
                    created_at, updated_at, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ALLOCATED', now(), now(), 1)""")) {
            int n = 0;
            for (Endpoint e : endpoints()) {
                UUID id = ids.get(e.id());
                Subnet subnet = subnetOf(e);
                server.setObject(1, id);
                server.setObject(2, tenantId);
                server.setObject(3, projectId);
                server.setString(4, "reach-" + e.id().substring(3));
                server.setString(5, PROVIDER);
                server.setString(6, REGION);
                server.setString(7, zone(subnet));
                server.setString(8, zone(subnet) + "-h" + (1 + n % 100));
                server.setString(9, "sbx-srv-" + id);
                server.setObject(10, ids.get(e.vpcId()));
                server.setObject(11, ids.get(subnet.id()));
                server.setString(12, e.privateAddress().toString());
                server.addBatch();
                for (String g : e.groupIds()) {
                    member.setObject(1, ids.get(g));
                    member.setObject(2, id);
                    member.setObject(3, tenantId);
                    member.addBatch();
                }
                if (e.publicAddress().isPresent()) {
                    UUID ip = new UUID(id.getLeastSignificantBits(), id.getMostSignificantBits());
                    publicIp.setObject(1, ip);
                    publicIp.setObject(2, tenantId);
                    publicIp.setObject(3, projectId);
                    publicIp.setString(4, PROVIDER);
                    publicIp.setString(5, REGION);
                    publicIp.setString(6, "sbx-fip-" + ip);
                    publicIp.setString(7, e.publicAddress().get().toString());
                    publicIp.setObject(8, id);
                    publicIp.addBatch();
                    publicAddressOf.put(id, e.publicAddress().get().toString());
                    publicIpOf.put(id, ip);
                }
                n++;
            }
            server.executeBatch();
            member.executeBatch();
            publicIp.executeBatch();
        }
    }

    private Subnet subnetOf(Endpoint e) {
        return drawn.vpcs().stream().flatMap(v -> v.subnets().stream()).filter(s -> s.id().equals(e.subnetId().orElseThrow())).findFirst().orElseThrow();
    }

    /**
     * The estate as ReachabilityService builds it from the rows: networks with their ranges and
     * zone subnets, links by their stored pair, groups read back from their stored rules through
     * the validator, servers with their groups in name order and their allocated public address.
     */
    Topology asServiceReadsIt() {
        List<Vpc> vpcs = new ArrayList<>();
        for (Vpc v : drawn.vpcs()) {
            vpcs.add(new Vpc(ids.get(v.id()).toString(), v.cidrs(), v.subnets().stream()
                    .map(s -> new Subnet(ids.get(s.id()).toString(), zone(s), s.cidr())).toList()));
        }
        List<Link> links = drawn.links().stream().map(l -> {
            UUID[] pair = ordered(ids.get(l.vpcA()), ids.get(l.vpcB()));
            return new Link(ids.get(l.id()).toString(), l.kind(), pair[0].toString(), pair[1].toString());
        }).toList();
        List<SecurityGroup> groups = drawn.groups().stream().map(g -> {
            UUID id = ids.get(g.id());
            return PolicyValidator.validate(id.toString(), tenantId.toString(),
                    new SecurityGroupDraft(groupNames.get(g.id()), storedRules.get(id)), other -> Optional.of(tenantId.toString()));
        }).toList();
        List<Peer> peers = new ArrayList<>();
        for (Endpoint e : endpoints()) {
            UUID id = ids.get(e.id());
            List<String> attached = e.groupIds().stream().sorted((a, b) -> groupNames.get(a).compareTo(groupNames.get(b)))
                    .map(g -> ids.get(g).toString()).toList();
            peers.add(new Endpoint(id.toString(), Endpoint.Kind.SERVER, ids.get(e.vpcId()).toString(), ids.get(e.subnetId().orElseThrow()).toString(),
                    e.privateAddress(), attached, Optional.ofNullable(publicAddressOf.get(id)).map(IpAddress::parse)));
        }
        return new Topology(vpcs, links, groups, peers);
    }
}
