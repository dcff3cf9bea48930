package io.skydeck.network;

import io.skydeck.capacity.PlacementRefused;
import io.skydeck.compute.Server;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import io.skydeck.network.ipam.store.IpamStore;
import io.skydeck.operations.WaitingFor;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Puts a new server in a tenant network: checks the network and the groups asked for, says where
 * placement may put the server (the network's provider, region and zones with a subnet), and once
 * the host is chosen takes the server's address from the IPAM — from the host's own block of its
 * zone's subnet, so the address never leaves the zone and its route is the block's.
 *
 * <p>The IPAM reserves addresses for a host on its own (group commit, ahead of need); the server's
 * own transaction binds one to the server. A replica that dies mid-create leaves the address
 * reserved, never held by a server that does not exist; the address sweep frees old reservations.
 */
@ApplicationScoped
public class ServerNetworks {

    /** A network a new server goes into, its subnets by zone, and the groups the server joins. */
    public record Choice(Network network, Map<String, Subnet> subnetsByZone, List<TenantSecurityGroup> groups) {

        /** The zones placement may choose: those where the network has an available subnet. */
        public Set<String> zones() {
            return subnetsByZone.keySet();
        }
    }

    @Inject
    NetworkRepository networks;

    @Inject
    SubnetRepository subnets;

    @Inject
    TenantSecurityGroupRepository groups;

    @Inject
    Ipam ipam;

    @Inject
    EntityManager em;

    @Inject
    TransactionSynchronizationRegistry transactions;

    /**
     * The network and groups a create names, checked for the tenant. The network's row is read with
     * a share lock, so it cannot be deleted before this server counts as using it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Choice choose(UUID tenantId, UUID networkId, List<UUID> groupIds) {
        Network network = available(tenantId, networkId, LockModeType.PESSIMISTIC_READ);
        Map<String, Subnet> byZone = new LinkedHashMap<>();
        for (Subnet subnet : subnets.of(network.id())) {
            if (subnet.status() == Subnet.Status.AVAILABLE) {
                byZone.put(subnet.zone(), subnet);
            }
        }
        if (byZone.isEmpty()) {
            throw new ProblemException(ProblemType.CONFLICT, "network " + network.name() + " has no available subnet yet",
                    List.of(new Problem.FieldError("networkId", "no available subnet")), Map.of());
        }
        return new Choice(network, byZone, groups(tenantId, network, groupIds));
    }

    /** The tenant's network, which must be available; read with {@code lock} (a share lock keeps it from being deleted). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Network available(UUID tenantId, UUID networkId, LockModeType lock) {
        Network network = networks.findByIdOptional(networkId, lock)
                .filter(n -> n.tenantId().equals(tenantId))
                .orElseThrow(() -> ProblemException.notFound("network", networkId));
        if (network.status() != Network.Status.AVAILABLE) {
            throw new ProblemException(ProblemType.CONFLICT, "network " + network.name() + " is " + network.status()
                    + "; resources go into an available network", List.of(new Problem.FieldError("networkId", "network is "
                    + network.status())), Map.of());
        }
        return network;
    }

    /** The groups a create names: the tenant's, live, in this network, and already made in the provider. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<TenantSecurityGroup> groups(UUID tenantId, Network network, List<UUID> groupIds) {
        List<TenantSecurityGroup> chosen = groupIds == null ? List.of() : groupIds.stream().distinct().map(id -> groups.findByIdOptional(id)
                .filter(g -> g.tenantId().equals(tenantId) && g.status().live())
                .orElseThrow(() -> ProblemException.invalid("securityGroups", "security group " + id + " does not exist"))).toList();
        for (TenantSecurityGroup group : chosen) {
            if (!group.networkId().equals(network.id())) {
                throw ProblemException.invalid("securityGroups", "security group " + group.name() + " is in another network than "
                        + network.name());
            }
            if (group.providerGroupId() == null) {
                throw new ProblemException(ProblemType.CONFLICT, "security group " + group.name() + " is still being created",
                        List.of(new Problem.FieldError("securityGroups", "group " + group.id() + " is still being created")), Map.of());
            }
        }
        return chosen;
    }

    /** Makes a server or workload a member of the groups. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void join(String targetType, UUID targetId, UUID tenantId, List<TenantSecurityGroup> chosen) {
        for (TenantSecurityGroup group : chosen) {
            em.createNativeQuery("INSERT INTO security_group_member (group_id, target_type, target_id, tenant_id) VALUES (?1, ?2, ?3, ?4)")
                    .setParameter(1, group.id()).setParameter(2, targetType).setParameter(3, targetId).setParameter(4, tenantId)
                    .executeUpdate();
        }
    }

    /** The provider ids of the groups a server or workload is a member of, in group-name order. */
    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> providerGroupIds(String targetType, UUID targetId) {
        return em.createNativeQuery("""
                SELECT g.provider_group_id FROM security_group_member m JOIN security_group g ON g.id = m.group_id
                WHERE m.target_type = ?1 AND m.target_id = ?2 ORDER BY g.name""").setParameter(1, targetType).setParameter(2, targetId)
                .getResultList();
    }

    /** A deleted server or workload leaves its groups. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void leave(String targetType, UUID targetId) {
        em.createNativeQuery("DELETE FROM security_group_member WHERE target_type = ?1 AND target_id = ?2")
                .setParameter(1, targetType).setParameter(2, targetId).executeUpdate();
    }

    /**
     * Takes the placed server's address on its host and records its network, subnet and groups.
     * The address is one the host held reserved (usually ready in memory, see {@link Ipam#take});
     * it becomes the server's by a statement of this transaction — queued, it goes with the create's
     * last round trip ({@link Ipam#bindAtCommit}) — so it is the server's exactly when the server
     * exists. If the transaction does not commit, the host may use the address again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void attach(Server server, Choice choice, String zone, String host) {
        Subnet subnet = choice.subnetsByZone().get(zone);
        if (subnet == null) {
            throw new IllegalStateException("placement chose zone " + zone + " outside the network's subnet zones " + choice.zones());
        }
        Owner owner = ownerOf(server.id());
        IpamStore.Reservation reservation;
        try {
            ipam.register(subnet.id(), Cidr.parse(subnet.cidr()), List.of(zone));
            reservation = ipam.take(subnet.id(), zone, host);
        } catch (IpamRefusal refused) {
            throw new ProblemException(ProblemType.NO_CAPACITY, "no address left for the server in subnet " + subnet.cidr() + " of network "
                    + choice.network().name() + " (zone " + zone + "): " + refused.getMessage(),
                    List.of(new Problem.FieldError("networkId", refused.reason().name().toLowerCase())), Map.of());
        }
        // Bound by the create's last round trip. A reservation gone by then (swept as too old, lost by the database) refuses
        // the create, which its caller makes again (PlacementRefused#retrying) with another address: this one is dropped.
        ipam.bindAtCommit(reservation, owner, message -> PlacementRefused.stale("the address reserved for host " + host
                + " in subnet " + subnet.cidr() + " was gone when the create committed: " + message, () -> ipam.discard(reservation)));
        transactions.registerInterposedSynchronization(AfterCompletion.unlessCommitted(() -> ipam.giveBack(reservation)));
        server.attach(choice.network().id(), subnet.id(), reservation.allocation().address().toString());
        join("server", server.id(), server.tenantId(), choice.groups());
    }

    /**
     * The provider ids a server's create names: its network and its groups. One statement reads the
     * network, the subnet and the groups (the create's submit reads this before each provider call).
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<ProviderAttachment> providerAttachment(Server server) {
        if (server.networkId() == null) {
            return Optional.empty();
        }
        return Optional.of(em.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement read = connection.prepareStatement("""
                    SELECT n.name, n.status, n.provider_network_id, s.cidr, s.zone, s.status, s.provider_subnet_id,
                           ARRAY(SELECT g.provider_group_id FROM security_group_member m JOIN security_group g ON g.id = m.group_id
                                 WHERE m.target_type = 'server' AND m.target_id = ? ORDER BY g.name)
                    FROM network n LEFT JOIN subnet s ON s.id = ? WHERE n.id = ?""")) {
                read.setObject(1, server.id());
                read.setObject(2, server.subnetId());
                read.setObject(3, server.networkId());
                try (ResultSet row = read.executeQuery()) {
                    if (!row.next()) {
                        throw new IllegalStateException("server " + server.id() + " names network " + server.networkId()
                                + ", which is not there");
                    }
                    String subnetStatus = row.getString(6);
                    requireRealised(new Realisation(server.networkId(), row.getString(1), Network.Status.valueOf(row.getString(2)),
                            subnetStatus == null ? null : new Realisation.OfSubnet(row.getString(4), row.getString(5),
                                    Subnet.Status.valueOf(subnetStatus))));
                    List<String> groups = List.of((String[]) row.getArray(8).getArray());
                    return new ProviderAttachment(row.getString(3), row.getString(7), server.privateAddress(), groups);
                }
            }
        }));
    }

    /**
     * Throws {@link WaitingFor} unless the network (and the subnet, when there is one) exist in the
     * provider: a create in a default network made with it waits for the network's operations, and
     * fails if they failed. A network named by a request was available already.
     */
    public static void requireRealised(Network network, Subnet subnet) {
        requireRealised(new Realisation(network.id(), network.name(), network.status(),
                subnet == null ? null : new Realisation.OfSubnet(subnet.cidr(), subnet.zone(), subnet.status())));
    }

    /** What {@link #requireRealised} looks at: the network's state and its subnet's (null when the resource has none). */
    private record Realisation(UUID networkId, String networkName, Network.Status networkStatus, OfSubnet subnet) {
        record OfSubnet(String cidr, String zone, Subnet.Status status) {
        }
    }

    private static void requireRealised(Realisation r) {
        if (r.networkStatus() == Network.Status.CREATING) {
            throw WaitingFor.notYet("network " + r.networkName() + " (" + r.networkId() + ") is still being created");
        }
        if (r.networkStatus() != Network.Status.AVAILABLE) {
            throw WaitingFor.failed("network-failed", "network " + r.networkName() + " (" + r.networkId() + ") is " + r.networkStatus()
                    + "; nothing was made in the provider");
        }
        Realisation.OfSubnet subnet = r.subnet();
        if (subnet == null) {
            return;
        }
        switch (subnet.status()) {
            case AVAILABLE -> {
            }
            case PENDING, CREATING -> throw WaitingFor.notYet("subnet " + subnet.cidr() + " (zone " + subnet.zone() + ") of network "
                    + r.networkName() + " is still being created");
            default -> throw WaitingFor.failed("network-failed", "subnet " + subnet.cidr() + " (zone " + subnet.zone() + ") of network "
                    + r.networkName() + " (" + r.networkId() + ") is " + subnet.status() + "; nothing was made in the provider");
        }
    }

    /** What the provider is told about a server's network. */
    public record ProviderAttachment(String networkId, String subnetId, String address, List<String> securityGroupIds) {
    }

    /**
     * The server is gone: it leaves its groups, and once the transaction that records that has
     * committed its address goes into quarantine. Not before: a delete that rolls back keeps a
     * server that still uses the address.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void detach(Server server) {
        if (server.networkId() == null) {
            return;
        }
        leave("server", server.id());
        UUID subnet = server.subnetId();
        IpAddress address = IpAddress.parse(server.privateAddress());
        Owner owner = ownerOf(server.id());
        transactions.registerInterposedSynchronization(AfterCompletion.onCommit(() -> ipam.release(subnet, address, owner)));
    }

    static Owner ownerOf(UUID serverId) {
        return new Owner("server", serverId.toString());
    }
}
