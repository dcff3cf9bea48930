package io.skydeck.compute;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.capacity.CapacityLedger;
import io.skydeck.capacity.PlacementService;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.network.PublicIpService;
import io.skydeck.network.ServerNetworks;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.Resources;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** What creating, deleting, starting, stopping and resizing a server does at each step. */
@ApplicationScoped
public class ServerOperations implements OperationHandler {

    private static final TargetRow SERVER_ROW = new TargetRow("server", Server.class);
    private static final Set<OperationKind> KINDS = Set.of(OperationKind.CREATE_SERVER, OperationKind.DELETE_SERVER,
            OperationKind.START_SERVER, OperationKind.STOP_SERVER, OperationKind.RESIZE_SERVER);

    @Inject
    ServerRepository serverRepository;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    ProviderRegistry providers;

    @Inject
    QuotaService quotas;

    @Inject
    PublicIpService publicIps;

    @Inject
    ServerNetworks serverNetworks;

    @Inject
    PlacementService placement;

    @Inject
    CapacityLedger ledger;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Inject
    io.skydeck.operations.OperationService operations;

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    /** The token of a server's create; the same for every attempt, so a repeat finds the first. */
    static IdempotencyToken createToken(UUID serverId) {
        return IdempotencyToken.of("skydeck-" + serverId);
    }

    static IdempotencyToken deleteToken(UUID serverId) {
        return IdempotencyToken.of("skydeck-del-" + serverId);
    }

    @Override
    public Optional<TargetRow> targetRow() {
        return Optional.of(SERVER_ROW);
    }

    /** What a submit reads before its provider call: the server, and for a create where in its network it goes. */
    record Before(Server server, Optional<ServerNetworks.ProviderAttachment> network) {
    }

    /**
     * Reads what {@link #submit} needs with no transaction open, in a request context of its own
     * (a fresh session): each read is one statement — no two need one snapshot, as every statement
     * of a read-committed transaction has its own — so there is no BEGIN and no COMMIT round trip,
     * and nothing is held during the provider call. A caller already in a request context (a test
     * driving the runner by hand) may hold older copies in its session: then the reads get a
     * transaction, and its session, of their own.
     */
    private Before before(Operation op) {
        ManagedContext requests = Arc.container().requestContext();
        if (requests.isActive()) {
            return QuarkusTransaction.requiringNew().call(() -> read(op));
        }
        requests.activate();
        try {
            return read(op);
        } finally {
            requests.terminate();
        }
    }

    private Before read(Operation op) {
        Server found = serverRepository.findById(op.targetId());
        return new Before(found, op.kind() == OperationKind.CREATE_SERVER ? serverNetworks.providerAttachment(found) : Optional.empty());
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        Before before = before(op);
        Server server = before.server();
        Servers servers = providers.get(server.provider()).require(Servers.class);
        return switch (op.kind()) {
            case CREATE_SERVER -> {
                ServerSpec spec = specOf(server);
                Optional<ServerNetworks.ProviderAttachment> network = before.network();
                if (network.isPresent()) {
                    ServerNetworks.ProviderAttachment at = network.get();
                    spec = spec.inNetwork(at.networkId(), at.subnetId(), at.address(), at.securityGroupIds());
                }
                yield Optional.of(servers.create(spec, createToken(server.id())));
            }
            case DELETE_SERVER -> {
                // A create that failed (or never reported back) recorded no id: the provider's instance is found by its token.
                Optional<String> id = Optional.ofNullable(server.providerServerId())
                        .or(() -> servers.findByToken(createToken(server.id())).map(ProviderServer::id));
                if (id.isEmpty()) {
                    // No server, but the create may have left something else (a Neutron port made for the boot).
                    servers.releaseLeftovers(createToken(server.id()));
                    yield Optional.empty();
                }
                try {
                    yield Optional.of(servers.delete(id.get(), deleteToken(server.id())));
                } catch (ResourceNotFound gone) {
                    yield Optional.empty();
                }
            }
            case START_SERVER -> Optional.of(servers.start(server.providerServerId(), OperationHandler.actionToken(op)));
            case STOP_SERVER -> Optional.of(servers.stop(server.providerServerId(), OperationHandler.actionToken(op)));
            case RESIZE_SERVER -> Optional.of(servers.resize(server.providerServerId(), params(op).get("flavor"),
                    OperationHandler.actionToken(op)));
            default -> throw new IllegalArgumentException(op.kind() + " is not a server operation");
        };
    }

    /**
     * A resize is a migration in Nova (to another hypervisor unless it allows the same host): the
     * server as the provider shows it afterwards says where it runs, and the record follows it —
     * before the quota swap, because the ledger's rows are locked before the tenant's quota rows.
     */
    @Override
    public void succeeded(Operation op, OperationHandle handle, OperationStatus.Succeeded done) {
        if (op.kind() == OperationKind.RESIZE_SERVER) {
            done.server().ifPresent(seen -> follow(op, seen, done.finishedAt()));
        }
        succeeded(op, handle, done.finishedAt());
    }

    private void follow(Operation op, ProviderServer seen, Instant at) {
        Server server = serverRepository.findById(op.targetId());
        Optional<String> host = seen.host().filter(h -> !h.isBlank());
        if (host.isEmpty() || host.get().equals(server.host())) {
            return;
        }
        String zone = seen.zone().isBlank() ? server.zone() : seen.zone();
        PlacementTarget to = placement.target(server.provider(), server.region(), zone, host.get());
        String from = server.host() == null ? null : server.zone() + "/" + server.host();
        if (server.host() != null) {
            ledger.lockForMove(placement.target(server.provider(), server.region(), server.zone(), server.host()), to);
        }
        server.movedTo(zone, host.get(), at);
        Map<String, String> params = params(op);
        placement.moveAfterCommit(ServerService.holdOf(server, params.get("flavor"), orderedSize(params)), to);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("from", from);
        details.put("to", zone + "/" + host.get());
        details.put("operation", op.id());
        audit.record("server.moved", "server", server.id(), server.tenantId(), details);
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        Server server = serverRepository.findById(op.targetId());
        if (op.kind() == OperationKind.DELETE_SERVER && isCleanUp(op)) {
            // The failed create's leftovers are gone; quota and capacity went back when it failed.
            audit.record("server.cleaned-up", "server", server.id(), server.tenantId(), Map.of("operation", op.id()));
            if (server.status() == ServerStatus.DELETING) {
                // A delete came while they were cleaned up (one that superseded the create): it ends here.
                server.moveTo(ServerStatus.DELETED, finishedAt);
                audit.record("server.deleted", "server", server.id(), server.tenantId(), Map.of("operation", op.id()));
            }
            return;
        }
        LifecycleEvents.Kind event;
        switch (op.kind()) {
            case CREATE_SERVER -> {
                server.built(handle.resource().id(), finishedAt);
                event = LifecycleEvents.Kind.CREATED;
            }
            case DELETE_SERVER -> {
                server.moveTo(ServerStatus.DELETED, finishedAt);
                quotas.release(server.quotaReservationId());
                publicIps.serverGone(server.id(), finishedAt);
                serverNetworks.detach(server);
                placement.releaseAfterCommit(server.id());
                event = LifecycleEvents.Kind.DELETED;
            }
            case START_SERVER -> {
                server.moveTo(ServerStatus.ACTIVE, finishedAt);
                event = LifecycleEvents.Kind.STARTED;
            }
            case STOP_SERVER -> {
                server.moveTo(ServerStatus.STOPPED, finishedAt);
                event = LifecycleEvents.Kind.STOPPED;
            }
            case RESIZE_SERVER -> {
                resized(op, server, finishedAt);
                event = LifecycleEvents.Kind.RESIZED;
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a server operation");
        }
        events.record(LifecycleEvents.idFor(op.id(), event), server.tenantId(), "server", server.id(), event, finishedAt,
                server.provider(), server.region(), server.providerServerId(), ServerService.shapeOf(server));
        audit.record("server." + event.name().toLowerCase(), "server", server.id(), server.tenantId(),
                Map.of("status", server.status().name(), "operation", op.id()));
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        Server server = serverRepository.findById(op.targetId());
        Map<String, String> params = params(op);
        switch (op.kind()) {
            case CREATE_SERVER -> {
                // Nothing runs in the provider: give back the quota and the capacity it held.
                server.moveTo(ServerStatus.FAILED, at);
                quotas.release(server.quotaReservationId());
                placement.releaseAfterCommit(server.id());
                events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.FAILED), server.tenantId(), "server",
                        server.id(), LifecycleEvents.Kind.FAILED, at, server.provider(), server.region(), null,
                        ServerService.shapeOf(server));
                // What the provider made (an ERROR instance; one still building past the deadline) is deleted by a
                // clean-up operation of its own — durable and retried, and outside this transaction's locks.
                Operation cleanUp = operations.start(server.tenantId(), OperationKind.DELETE_SERVER, "server", server.id(),
                        server.provider(), OperationParams.write(json, Map.of("previousStatus", ServerStatus.FAILED.name(),
                                CLEAN_UP, "true")));
                audit.record("server.clean-up-requested", "server", server.id(), server.tenantId(),
                        Map.of("failedOperation", op.id(), "operation", cleanUp.id()));
            }
            case RESIZE_SERVER -> {
                server.moveTo(ServerStatus.valueOf(params.get("previousStatus")), at);
                server.releaseHeld();
                Optional.ofNullable(params.get("growthReservation")).map(UUID::fromString).ifPresent(quotas::release);
                Resources grown = orderedSize(params);
                Resources current = new Resources(server.vcpu(), server.memoryMib(), server.gpu());
                placement.resize(ServerService.holdOf(server, server.flavor(), current),
                        ServerService.holdOf(server, params.get("flavor"), grown),
                        placement.target(server.provider(), server.region(), server.zone(), server.host()));
            }
            case DELETE_SERVER -> server.moveTo(ServerStatus.valueOf(params.get("previousStatus")), at);
            default -> {
                // start and stop leave the server as it was
            }
        }
        GiveUpAudit.record(audit, "server", op, error);
    }

    @Override
    public void lockTarget(Operation op) {
        serverRepository.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
    }

    private void resized(Operation op, Server server, Instant at) {
        Map<String, String> params = params(op);
        String flavorId = params.get("flavor");
        Resources r = orderedSize(params);
        Tenant tenant = tenantRepository.findById(server.tenantId());
        // Swap the old reservation (and the growth one) for one of the new size: the total
        // only shrinks or stays, so this cannot be refused.
        quotas.release(server.quotaReservationId());
        Optional.ofNullable(params.get("growthReservation")).map(UUID::fromString).ifPresent(quotas::release);
        QuotaReservation fresh = quotas.reserve(tenant, "server " + server.name(), ServerService.amounts(r, 1));
        // Priced when the resize was requested (the provider's list price, else the configured one):
        // no provider call in this transaction.
        var price = Optional.ofNullable(params.get("hourlyPrice")).map(java.math.BigDecimal::new).orElse(null);
        server.resized(flavorId, r.vcpu(), r.memoryMib(), r.gpu(), price, fresh.id(), at);
        server.named(params.get("flavorName"), server.imageName());
        server.moveTo(ServerStatus.valueOf(params.get("previousStatus")), at);
    }

    /**
     * The size a resize ordered: from its parameters (operations since names were resolved), else
     * from the catalogue. Not from the catalogue first: the flavor may be deleted during the resize.
     */
    private Resources orderedSize(Map<String, String> params) {
        if (params.containsKey("vcpu")) {
            return new Resources(Integer.parseInt(params.get("vcpu")), Long.parseLong(params.get("memoryMib")),
                    Integer.parseInt(params.getOrDefault("gpu", "0")));
        }
        return placement.flavor(params.get("flavor")).map(PlacementService.FlavorOffer::resources)
                .orElseThrow(() -> new IllegalStateException("flavor " + params.get("flavor") + " is no longer offered"));
    }

    /** Marks the DELETE_SERVER that removes a failed create's leftovers from the provider. */
    static final String CLEAN_UP = "cleanUp";

    private boolean isCleanUp(Operation op) {
        return "true".equals(params(op).get(CLEAN_UP));
    }

    static ServerSpec specOf(Server server) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("skydeck-tenant", server.tenantId().toString());
        tags.put("skydeck-server", server.id().toString());
        ServerSpec spec = ServerSpec.of(server.name(), server.region(), server.flavor(), server.image()).withTags(tags);
        return server.host() == null ? spec.inZone(server.zone()) : spec.onHost(server.zone(), server.host());
    }

    private Map<String, String> params(Operation op) {
        return OperationParams.read(json, op);
    }
}
