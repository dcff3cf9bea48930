package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.compute.Server;
import io.skydeck.compute.ServerRepository;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.QuotaService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What allocating, pointing and releasing a public address does at each step. The address is
 * the provider's choice: it is read once the allocation has finished ({@link #outcome}, outside
 * any transaction) and recorded with the allocation's success.
 */
@ApplicationScoped
public class PublicIpOperations implements OperationHandler {

    private static final Set<OperationKind> KINDS = Set.of(OperationKind.ALLOCATE_PUBLIC_IP, OperationKind.RELEASE_PUBLIC_IP,
            OperationKind.ASSOCIATE_PUBLIC_IP, OperationKind.DISASSOCIATE_PUBLIC_IP);

    private static final LifecycleEvents.Shape NO_SHAPE = new LifecycleEvents.Shape(null, 0, 0, 0, 0);

    @Inject
    PublicIpRepository repository;

    @Inject
    ServerRepository servers;

    @Inject
    ProviderRegistry providers;

    @Inject
    QuotaService quotas;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    static IdempotencyToken allocateToken(UUID id) {
        return IdempotencyToken.of("skydeck-pip-" + id);
    }

    static IdempotencyToken releaseToken(UUID id) {
        return IdempotencyToken.of("skydeck-piprel-" + id);
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        PublicIp ip = QuarkusTransaction.requiringNew().call(() -> repository.findById(op.targetId()));
        PublicIps publicIps = providers.get(ip.provider()).require(PublicIps.class);
        return switch (op.kind()) {
            case ALLOCATE_PUBLIC_IP -> Optional.of(publicIps.allocate(new PublicIpSpec(ip.region(), Optional.empty(),
                    Map.of("skydeck-tenant", ip.tenantId().toString(), "skydeck-public-ip", ip.id().toString())), allocateToken(ip.id())));
            case ASSOCIATE_PUBLIC_IP -> {
                UUID serverId = UUID.fromString(OperationParams.read(json, op).get("serverId"));
                Server server = QuarkusTransaction.requiringNew().call(() -> servers.findById(serverId));
                yield Optional.of(publicIps.associate(ip.providerPublicIpId(), server.providerServerId()));
            }
            case DISASSOCIATE_PUBLIC_IP -> Optional.of(publicIps.disassociate(ip.providerPublicIpId()));
            case RELEASE_PUBLIC_IP -> {
                try {
                    yield ip.providerPublicIpId() == null ? Optional.empty()
                            : Optional.of(publicIps.release(ip.providerPublicIpId(), releaseToken(ip.id())));
                } catch (ResourceNotFound gone) {
                    yield Optional.empty();
                }
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a public IP operation");
        };
    }

    @Override
    public Map<String, String> outcome(Operation op, OperationHandle handle) {
        if (op.kind() != OperationKind.ALLOCATE_PUBLIC_IP) {
            return Map.of();
        }
        PublicIps publicIps = providers.get(op.provider()).require(PublicIps.class);
        ProviderPublicIp allocated = publicIps.get(handle.resource().id())
                .orElseThrow(() -> new ResourceNotFound(op.provider(), ResourceType.PUBLIC_IP, handle.resource().id(),
                        "the address is gone right after its allocation"));
        return Map.of("address", allocated.address());
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        succeeded(op, handle, new OperationStatus.Succeeded(handle, finishedAt, Optional.empty()), Map.of());
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, OperationStatus.Succeeded done, Map<String, String> outcome) {
        PublicIp ip = repository.findById(op.targetId());
        Instant at = done.finishedAt();
        switch (op.kind()) {
            case ALLOCATE_PUBLIC_IP -> {
                ip.allocated(handle.resource().id(), outcome.get("address"), at);
                events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.CREATED), ip.tenantId(), "public-ip", ip.id(),
                        LifecycleEvents.Kind.CREATED, at, ip.provider(), ip.region(), ip.providerPublicIpId(), NO_SHAPE);
                audit.record("public-ip.allocated", "public-ip", ip.id(), ip.tenantId(), Map.of("address", ip.address(), "operation", op.id()));
            }
            case ASSOCIATE_PUBLIC_IP -> {
                UUID serverId = UUID.fromString(OperationParams.read(json, op).get("serverId"));
                ip.pointAt(serverId, at);
                audit.record("public-ip.associated", "public-ip", ip.id(), ip.tenantId(), Map.of("server", serverId, "operation", op.id()));
            }
            case DISASSOCIATE_PUBLIC_IP -> {
                ip.pointAt(null, at);
                audit.record("public-ip.disassociated", "public-ip", ip.id(), ip.tenantId(), Map.of("operation", op.id()));
            }
            case RELEASE_PUBLIC_IP -> {
                ip.moveTo(PublicIp.Status.RELEASED, at);
                quotas.release(ip.quotaReservationId());
                events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.DELETED), ip.tenantId(), "public-ip", ip.id(),
                        LifecycleEvents.Kind.DELETED, at, ip.provider(), ip.region(), ip.providerPublicIpId(), NO_SHAPE);
                audit.record("public-ip.released", "public-ip", ip.id(), ip.tenantId(), Map.of("operation", op.id()));
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a public IP operation");
        }
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        PublicIp ip = repository.findById(op.targetId());
        switch (op.kind()) {
            case ALLOCATE_PUBLIC_IP -> {
                ip.moveTo(PublicIp.Status.FAILED, at);
                quotas.release(ip.quotaReservationId());
            }
            case RELEASE_PUBLIC_IP -> ip.moveTo(PublicIp.Status.ALLOCATED, at);
            default -> {
                // an association that did not happen leaves the address as it was
            }
        }
        GiveUpAudit.record(audit, "public-ip", op, error);
    }

    @Override
    public void lockTarget(Operation op) {
        repository.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
    }
}
