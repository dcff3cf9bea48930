package io.skydeck.network;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.QuotaService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What realising and removing a network does at each step. A network is made in two stages:
 * CREATE_NETWORK makes the provider's network, and its success starts one CREATE_SUBNET per zone
 * (a subnet needs the network's provider id). DELETE_NETWORK removes the subnets and then the
 * network in one submit, waiting for each subnet to go (outside any transaction), because a
 * provider refuses to delete a network that still has subnets.
 *
 * <p>A network whose create failed — its CREATE_NETWORK, or one of its CREATE_SUBNETs once none
 * is still running — ends FAILED with its quota returned, and a clean-up DELETE_NETWORK (marked
 * {@link #CLEAN_UP}) removes whatever the provider made before the failure: the network and
 * subnets are found by their idempotency tokens, since a create that failed recorded no ids (a
 * Neutron network whose router failed, a subnet made before its sibling failed).
 */
@ApplicationScoped
public class NetworkOperations implements OperationHandler {

    private static final Set<OperationKind> KINDS = Set.of(OperationKind.CREATE_NETWORK, OperationKind.DELETE_NETWORK,
            OperationKind.CREATE_SUBNET);

    /** How long one submit of a delete waits for the network's subnets to go before it counts as an attempt. */
    private static final Duration SUBNETS_GONE_WITHIN = Duration.ofSeconds(60);

    @Inject
    NetworkRepository networkRepository;

    @Inject
    SubnetRepository subnetRepository;

    @Inject
    ProviderRegistry providers;

    @Inject
    OperationService operations;

    @Inject
    QuotaService quotas;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    Ipam ipam;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    /** Marks the DELETE_NETWORK that removes a failed create's leftovers from the provider. */
    static final String CLEAN_UP = "cleanUp";

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    static IdempotencyToken createToken(UUID id) {
        return IdempotencyToken.of("skydeck-net-" + id);
    }

    static IdempotencyToken deleteToken(UUID id) {
        return IdempotencyToken.of("skydeck-netdel-" + id);
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        return switch (op.kind()) {
            case CREATE_NETWORK -> {
                Network n = QuarkusTransaction.requiringNew().call(() -> networkRepository.findById(op.targetId()));
                // A range the provider assigns is asked for without one; a repeat after the success's record sends none either.
                boolean assigned = ipv6Assigned(op);
                yield Optional.of(networks(n).createNetwork(new NetworkSpec("skydeck-" + n.name(), n.region(), Optional.of(n.cidr()),
                        tags(n), assigned || n.ipv6Cidr() != null, assigned ? Optional.empty() : Optional.ofNullable(n.ipv6Cidr())),
                        createToken(n.id())));
            }
            case CREATE_SUBNET -> {
                Subnet s = QuarkusTransaction.requiringNew().call(() -> subnetRepository.findById(op.targetId()));
                Network n = QuarkusTransaction.requiringNew().call(() -> networkRepository.findById(s.networkId()));
                yield Optional.of(networks(n).createSubnet(new SubnetSpec(n.providerNetworkId(), "skydeck-" + n.name() + "-" + s.zone(),
                        s.cidr(), Optional.of(s.zone()), tags(n), Optional.ofNullable(s.ipv6Cidr())), createToken(s.id())));
            }
            case DELETE_NETWORK -> deleteNetwork(op);
            default -> throw new IllegalArgumentException(op.kind() + " is not a network operation");
        };
    }

    private Optional<OperationHandle> deleteNetwork(Operation op) {
        Network n = QuarkusTransaction.requiringNew().call(() -> networkRepository.findById(op.targetId()));
        List<Subnet> subnets = QuarkusTransaction.requiringNew().call(() -> subnetRepository.of(n.id()));
        Networks networks = networks(n);
        boolean cleanUp = isCleanUp(op);
        for (Subnet subnet : subnets) {
            if (subnet.status() == Subnet.Status.DELETED) {
                continue;
            }
            // A failed create recorded no id: what the provider made is found by the create's token.
            Optional<String> providerId = Optional.ofNullable(subnet.providerSubnetId())
                    .or(() -> cleanUp ? madeBy(networks, createToken(subnet.id()), ResourceType.SUBNET) : Optional.empty());
            if (providerId.isEmpty()) {
                continue;
            }
            try {
                ProviderWaits.awaitDone(networks, networks.deleteSubnet(providerId.get(), deleteToken(subnet.id())), n.provider(),
                        "the delete of subnet", SUBNETS_GONE_WITHIN);
            } catch (ResourceNotFound gone) {
                // deleted already, by an earlier attempt or behind our back
            }
        }
        Optional<String> providerId = Optional.ofNullable(n.providerNetworkId())
                .or(() -> cleanUp ? madeBy(networks, createToken(n.id()), ResourceType.NETWORK) : Optional.empty());
        if (providerId.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(networks.deleteNetwork(providerId.get(), deleteToken(n.id())));
        } catch (ResourceNotFound gone) {
            return Optional.empty();
        }
    }

    private static Optional<String> madeBy(Networks networks, IdempotencyToken token, ResourceType type) {
        return networks.findByToken(token).filter(ref -> ref.type() == type).map(ResourceRef::id);
    }

    /**
     * The IPv6 range the provider assigned a network that asked for one (AWS's /56), read once the
     * create has succeeded: the success records it and carves the subnets' /64s from it. A network
     * left without the range it asked for fails (and is cleaned up) rather than end IPv4 only.
     */
    @Override
    public Map<String, String> outcome(Operation op, OperationHandle handle) {
        if (!ipv6Assigned(op)) {
            return Map.of();
        }
        String range = providers.get(op.provider()).require(Networks.class).getNetwork(handle.resource().id())
                .flatMap(ProviderNetwork::ipv6Cidr)
                .orElseThrow(() -> new RequestRejected(op.provider(), "network " + handle.resource().id()
                        + " was created without the IPv6 range it asked the provider for", "NoIpv6Range", null));
        return Map.of(IPV6_CIDR, range);
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, OperationStatus.Succeeded done, Map<String, String> outcome) {
        if (op.kind() == OperationKind.CREATE_NETWORK && outcome.containsKey(IPV6_CIDR)) {
            Network n = networkRepository.findById(op.targetId());
            Cidr range = Cidr.parse(outcome.get(IPV6_CIDR));
            n.ipv6Assigned(range.toString());
            List<Subnet> subnets = subnetRepository.of(n.id());
            // The same rule as a tenant-given range's, now that the range is known: the /64s in the subnets' IPv4 order.
            List<Cidr> blocks = NetworkService.ipv6Blocks(range, subnets.stream().map(s -> Cidr.parse(s.cidr())).toList());
            for (int i = 0; i < subnets.size(); i++) {
                subnets.get(i).ipv6Carved(blocks.get(i).toString());
            }
        }
        succeeded(op, handle, done.finishedAt());
    }

    private boolean ipv6Assigned(Operation op) {
        return op.kind() == OperationKind.CREATE_NETWORK
                && "true".equals(io.skydeck.operations.OperationParams.read(json, op).get(NetworkService.IPV6_ASSIGNED));
    }

    private static final String IPV6_CIDR = "ipv6Cidr";

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        switch (op.kind()) {
            case CREATE_NETWORK -> {
                Network n = networkRepository.findById(op.targetId());
                n.available(handle.resource().id(), finishedAt);
                for (Subnet subnet : subnetRepository.of(n.id())) {
                    subnet.moveTo(Subnet.Status.CREATING, finishedAt);
                    operations.start(n.tenantId(), OperationKind.CREATE_SUBNET, "subnet", subnet.id(), n.provider(), null);
                }
                record(n, op, LifecycleEvents.Kind.CREATED, finishedAt);
            }
            case CREATE_SUBNET -> {
                Subnet s = subnetRepository.findById(op.targetId());
                s.available(handle.resource().id(), finishedAt);
                // The subnet is one zone range of the IPAM: its hosts' blocks are carved from it.
                ipam.register(s.id(), Cidr.parse(s.cidr()), List.of(s.zone()));
                audit.record("subnet.created", "subnet", s.id(), s.tenantId(),
                        Map.of("network", s.networkId(), "zone", s.zone(), "cidr", s.cidr(), "operation", op.id()));
                failIfASubnetFailed(s.networkId(), op, finishedAt);
            }
            case DELETE_NETWORK -> {
                Network n = networkRepository.findById(op.targetId());
                if (isCleanUp(op)) {
                    // The failed create's leftovers are gone; the quota went back when it failed.
                    subnetRepository.of(n.id()).stream().filter(s -> s.status() != Subnet.Status.DELETED)
                            .forEach(subnet -> subnet.moveTo(Subnet.Status.FAILED, finishedAt));
                    audit.record("network.cleaned-up", "network", n.id(), n.tenantId(), Map.of("operation", op.id()));
                    return;
                }
                subnetRepository.of(n.id()).forEach(subnet -> subnet.moveTo(Subnet.Status.DELETED, finishedAt));
                n.moveTo(Network.Status.DELETED, finishedAt);
                quotas.release(n.quotaReservationId());
                record(n, op, LifecycleEvents.Kind.DELETED, finishedAt);
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a network operation");
        }
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        switch (op.kind()) {
            case CREATE_NETWORK -> failNetwork(networkRepository.findById(op.targetId()), op, at);
            case CREATE_SUBNET -> {
                Subnet s = subnetRepository.findById(op.targetId());
                s.moveTo(Subnet.Status.FAILED, at);
                failIfASubnetFailed(s.networkId(), op, at);
            }
            case DELETE_NETWORK -> {
                if (isCleanUp(op)) {
                    // The leftovers could not be removed (the give-up audit says why): the network stays FAILED; drift sync reports them.
                    break;
                }
                // The provider still holds the network (and perhaps some subnets): it stays usable, and a delete may be asked again.
                Network n = networkRepository.findById(op.targetId());
                n.moveTo(Network.Status.AVAILABLE, at);
                subnetRepository.of(n.id()).stream().filter(s -> s.status() == Subnet.Status.DELETING)
                        .forEach(s -> s.moveTo(Subnet.Status.AVAILABLE, at));
            }
            default -> {
            }
        }
        GiveUpAudit.record(audit, op.targetType(), op, error);
    }

    /**
     * A network one of whose subnets failed fails as a whole, once none of its subnets is still
     * being created — so that the clean-up does not race a sibling create that might yet make a
     * subnet after it looked.
     */
    private void failIfASubnetFailed(UUID networkId, Operation op, Instant at) {
        Network n = networkRepository.findById(networkId, LockModeType.PESSIMISTIC_WRITE);
        if (n.status() != Network.Status.AVAILABLE) {
            return;
        }
        List<Subnet> subnets = subnetRepository.of(n.id());
        boolean anyFailed = subnets.stream().anyMatch(s -> s.status() == Subnet.Status.FAILED);
        boolean anyInFlight = subnets.stream().anyMatch(s -> s.status() == Subnet.Status.PENDING || s.status() == Subnet.Status.CREATING);
        if (anyFailed && !anyInFlight) {
            failNetwork(n, op, at);
        }
    }

    /** FAILED, quota back, and a clean-up of whatever the provider holds of it. */
    private void failNetwork(Network n, Operation op, Instant at) {
        n.moveTo(Network.Status.FAILED, at);
        subnetRepository.of(n.id()).forEach(subnet -> subnet.moveTo(Subnet.Status.FAILED, at));
        quotas.release(n.quotaReservationId());
        events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.FAILED), n.tenantId(), "network", n.id(),
                LifecycleEvents.Kind.FAILED, at, n.provider(), n.region(), null, NO_SHAPE);
        // Durable and retried, and outside this transaction's locks: the provider is called by the clean-up's submit.
        Operation cleanUp = operations.start(n.tenantId(), OperationKind.DELETE_NETWORK, "network", n.id(), n.provider(),
                io.skydeck.operations.OperationParams.write(json, Map.of(CLEAN_UP, "true")));
        audit.record("network.clean-up-requested", "network", n.id(), n.tenantId(),
                Map.of("failedOperation", op.id(), "operation", cleanUp.id()));
    }

    private boolean isCleanUp(Operation op) {
        return op.kind() == OperationKind.DELETE_NETWORK
                && "true".equals(io.skydeck.operations.OperationParams.read(json, op).get(CLEAN_UP));
    }

    @Override
    public void lockTarget(Operation op) {
        if (op.kind() == OperationKind.CREATE_SUBNET) {
            subnetRepository.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
        } else {
            networkRepository.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
        }
    }

    private static final LifecycleEvents.Shape NO_SHAPE = new LifecycleEvents.Shape(null, 0, 0, 0, 0);

    private void record(Network n, Operation op, LifecycleEvents.Kind kind, Instant at) {
        events.record(LifecycleEvents.idFor(op.id(), kind), n.tenantId(), "network", n.id(), kind, at, n.provider(), n.region(),
                n.providerNetworkId(), NO_SHAPE);
        audit.record("network." + kind.name().toLowerCase(), "network", n.id(), n.tenantId(),
                Map.of("status", n.status().name(), "operation", op.id()));
    }

    private Networks networks(Network n) {
        return providers.get(n.provider()).require(Networks.class);
    }

    private static Map<String, String> tags(Network n) {
        return Map.of("skydeck-tenant", n.tenantId().toString(), "skydeck-network", n.id().toString());
    }
}
