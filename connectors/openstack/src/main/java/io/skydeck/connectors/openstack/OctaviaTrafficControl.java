package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.openstack.OctaviaPoolMembers.Member;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.compute.Address;
import org.openstack4j.model.compute.Server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Traffic through an Octavia pool: the {@link TrafficTarget}'s id is the pool id, and a server is
 * the pool member whose address is one of the server's fixed addresses (Octavia knows members by
 * address and port, not by server).
 *
 * <ul>
 *   <li>pull out = {@code PUT /v2.0/lbaas/pools/{pool}/members/{member}} with {@code
 *       "admin_state_up": false}: the member stays, with its port, subnet and weight, and goes
 *       {@code OFFLINE} — no new requests. A server with no member, or a disabled one, is already
 *       out: nothing is sent.
 *   <li>pull in = the same with {@code true}; a server with no member yet gets one, {@code POST
 *       /v2.0/lbaas/pools/{pool}/members} with its address and the protocol port and subnet the
 *       pool's members use (a pool without any member cannot say which port: refused).
 *   <li>in traffic = {@code GET /v2.0/lbaas/pools/{pool}/members}, members enabled and {@code
 *       ONLINE} or {@code NO_MONITOR} (see {@link Member#receivesTraffic()}), mapped back to
 *       servers through Nova's server list (every page); a member whose address is no server of
 *       this project (another project's, or a bare IP) is not reported.
 * </ul>
 * Every change puts the load balancer into {@code PENDING_UPDATE} for a moment, and Octavia answers
 * another change meanwhile with 409 "… is immutable and cannot be updated": that is {@link
 * Throttled} (come back in a second), not a refusal.
 *
 * <p>Offered only where the Keystone catalog lists a "load-balancer" service (see {@link
 * OpenStackCloud#capabilities()}); in a configured region without one the calls are refused.
 * Weights ({@code weight} of members) and L7 header rules exist in Octavia but are not built here:
 * {@link #weighsTraffic()} and {@link #routesByHeader()} stay false.
 */
final class OctaviaTrafficControl implements TrafficControl {
    static final String SERVICE_TYPE = "load-balancer";
    private static final Duration BUSY_RETRY = Duration.ofSeconds(1);

    private final OpenStackSession session;
    private final NovaServerPages pages;

    OctaviaTrafficControl(OpenStackSession session) {
        this.session = session;
        this.pages = new NovaServerPages(NovaServerPages.NOVA_MAX_LIMIT);
    }

    @Override
    public void pullOut(TrafficTarget target, String instanceId) {
        requireOctavia(target.region());
        call(target, instanceId, os -> {
            List<String> addresses = fixedAddresses(os, instanceId);
            members(target).stream()
                    .filter(member -> addresses.contains(member.address()) && member.adminStateUp())
                    .forEach(member -> enable(os, target, member, false));
            return null;
        });
    }

    @Override
    public void pullIn(TrafficTarget target, String instanceId) {
        requireOctavia(target.region());
        call(target, instanceId, os -> {
            List<String> addresses = fixedAddresses(os, instanceId);
            List<Member> members = members(target);
            List<Member> own = members.stream().filter(member -> addresses.contains(member.address())).toList();
            if (!own.isEmpty()) {
                own.stream().filter(member -> !member.adminStateUp()).forEach(member -> enable(os, target, member, true));
                return null;
            }
            Member template = members.stream().filter(member -> member.protocolPort() != null).findFirst()
                    .orElseThrow(() -> new RequestRejected(session.provider(), "pool " + target.id()
                            + " has no member to take the protocol port from; add the first member to it by hand",
                            "no-member-template", null));
            String address = addressFor(os, addresses, template, instanceId);
            var member = Builders.octavia().memberV2()
                    .address(address)
                    .protocolPort(template.protocolPort())
                    .adminStateUp(true);
            if (template.subnetId() != null) {
                member.subnetId(template.subnetId());
            }
            os.octavia().lbPoolV2().createMember(target.id(), member.build());
            return null;
        });
    }

    @Override
    public Set<String> inTraffic(TrafficTarget target) {
        requireOctavia(target.region());
        return session.call(target.region(), Target.of(ResourceType.TRAFFIC_TARGET, target.id()), os -> {
            List<String> online = members(target).stream().filter(Member::receivesTraffic).map(Member::address).toList();
            if (online.isEmpty()) {
                return Set.of();
            }
            Map<String, String> serverByAddress = new HashMap<>();
            for (Server server : pages.all(os)) {
                fixedAddresses(server).forEach(address -> serverByAddress.putIfAbsent(address, server.getId()));
            }
            var servers = new TreeSet<String>();
            online.stream().map(serverByAddress::get).filter(java.util.Objects::nonNull).forEach(servers::add);
            return servers;
        });
    }

    private void requireOctavia(String region) {
        session.requireRegion(region);
        if (!session.catalogOffers(SERVICE_TYPE, region)) {
            throw new RequestRejected(session.provider(), "no traffic control on this provider: the catalog of region " + region
                    + " has no " + SERVICE_TYPE + " service (Octavia)", "no-load-balancer", null);
        }
    }

    /** One call about a member of the pool; an Octavia busy with an earlier change answers 409 "immutable". */
    private <T> T call(TrafficTarget target, String instanceId, java.util.function.Function<OSClientV3, T> body) {
        try {
            return session.call(target.region(), Target.of(ResourceType.TRAFFIC_TARGET, target.id()), body);
        } catch (RequestRejected rejected) {
            if (rejected.providerMessage().contains("is immutable and cannot be updated")) {
                throw new Throttled(session.provider(), rejected.providerMessage(), BUSY_RETRY,
                        rejected.providerCode().orElse("409"), rejected);
            }
            throw rejected;
        }
    }

    private List<Member> members(TrafficTarget target) {
        return new OctaviaPoolMembers().list(target.id());
    }

    private void enable(OSClientV3 os, TrafficTarget target, Member member, boolean up) {
        os.octavia().lbPoolV2().updateMember(target.id(), member.id(),
                Builders.octavia().memberV2Update().adminStateUp(up).build());
    }

    private List<String> fixedAddresses(OSClientV3 os, String serverId) {
        Server server = os.compute().servers().get(serverId);
        if (server == null) {
            throw new ResourceNotFound(session.provider(), ResourceType.SERVER, serverId, "server " + serverId + " not found",
                    "itemNotFound", null);
        }
        return fixedAddresses(server);
    }

    /** The server's own addresses: floating IPs are NAT in front of it, never a pool member. */
    private static List<String> fixedAddresses(Server server) {
        List<String> addresses = new ArrayList<>();
        if (server.getAddresses() != null && server.getAddresses().getAddresses() != null) {
            for (List<? extends Address> onNetwork : server.getAddresses().getAddresses().values()) {
                onNetwork.stream().filter(address -> address.getType() == null || "fixed".equals(address.getType()))
                        .forEach(address -> addresses.add(address.getAddr()));
            }
        }
        return addresses;
    }

    /** The server's address on the members' subnet: its only one, or the one inside the subnet's range. */
    private String addressFor(OSClientV3 os, List<String> addresses, Member template, String serverId) {
        if (addresses.size() == 1) {
            return addresses.get(0);
        }
        Optional<String> cidr = Optional.ofNullable(template.subnetId())
                .map(subnet -> os.networking().subnet().get(subnet))
                .map(org.openstack4j.model.network.Subnet::getCidr);
        return addresses.stream().filter(address -> cidr.map(range -> Cidrs.contains(range, address)).orElse(false)).findFirst()
                .orElseThrow(() -> new RequestRejected(session.provider(), "server " + serverId + " has "
                        + (addresses.isEmpty() ? "no fixed address" : "no address in the pool members' subnet " + cidr.orElse("?"))
                        + " to join pool members on", "no-member-address", null));
    }

    /** Whether an address is inside a CIDR range, IPv4 or IPv6. */
    static final class Cidrs {
        private Cidrs() {
        }

        static boolean contains(String cidr, String address) {
            try {
                String[] parts = cidr.split("/");
                byte[] network = java.net.InetAddress.getByName(parts[0]).getAddress();
                byte[] candidate = java.net.InetAddress.getByName(address).getAddress();
                if (network.length != candidate.length) {
                    return false;
                }
                int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : network.length * 8;
                for (int i = 0; i < bits; i++) {
                    int mask = 0x80 >>> (i % 8);
                    if ((network[i / 8] & mask) != (candidate[i / 8] & mask)) {
                        return false;
                    }
                }
                return true;
            } catch (java.net.UnknownHostException | NumberFormatException notAnAddress) {
                return false;
            }
        }
    }
}
