package io.skydeck.network;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
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
                yield Optional.of(networks(n).createNetwork(new NetworkSpec("skydeck-" + n.name(), n.region(), Optional.of(n.cidr()),
                        tags(n), n.ipv6Cidr() != null, Optional.ofNullable(n.ipv6Cidr())), createToken(n.id())));
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
        for (Subnet subnet : subnets) {
            if (subnet.providerSubnetId() == null || subnet.status() == Subnet.Status.DELETED) {
                continue;
            }
            try {
                ProviderWaits.awaitDone(networks, networks.deleteSubnet(subnet.providerSubnetId(), deleteToken(subnet.id())), n.provider(),
                        "the delete of subnet", SUBNETS_GONE_WITHIN);
            } catch (ResourceNotFound gone) {
                // deleted already, by an earlier attempt or behind our back
            }
        }
        if (n.providerNetworkId() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(networks.deleteNetwork(n.providerNetworkId(), deleteToken(n.id())));
        } catch (ResourceNotFound gone) {
            return Optional.empty();
        }
    }

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
            }
            case DELETE_NETWORK -> {
                Network n = networkRepository.findById(op.targetId());
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
            case CREATE_NETWORK -> {
                Network n = networkRepository.findById(op.targetId());
                n.moveTo(Network.Status.FAILED, at);
                subnetRepository.of(n.id()).forEach(subnet -> subnet.moveTo(Subnet.Status.FAILED, at));
                quotas.release(n.quotaReservationId());
                events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.FAILED), n.tenantId(), "network", n.id(),
                        LifecycleEvents.Kind.FAILED, at, n.provider(), n.region(), null, NO_SHAPE);
            }
            case CREATE_SUBNET -> subnetRepository.findById(op.targetId()).moveTo(Subnet.Status.FAILED, at);
            case DELETE_NETWORK -> {
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
