package io.skydeck.compute;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.CapacityLedger;
import io.skydeck.capacity.PlacementService;
import io.skydeck.compute.ComputeViews.CreateServer;
import io.skydeck.compute.ComputeViews.PlacementHintsView;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementHints;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ProviderKind;
import io.skydeck.placement.Resources;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.providers.CatalogNames;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Server requests: quota first, then placement, then the server, its decision, its operation
 * and its first lifecycle event — all in one transaction, so a refusal leaves nothing behind.
 */
@ApplicationScoped
public class ServerService {

    public record Started(Server server, Operation operation) {
    }

    @Inject
    EntityManager em;

    @Inject
    QuotaService quotas;

    @Inject
    PlacementService placement;

    @Inject
    CapacityLedger ledger;

    @Inject
    OperationService operations;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    ProviderRegistry providers;

    @Inject
    ObjectMapper json;

    @Inject
    CatalogNames catalog;

    @Inject
    Clock clock;

    @Transactional
    public Started create(Tenant tenant, Project project, CreateServer request, Optional<PlacementTarget> override) {
        // Names resolve from the catalogue the last inventory read cached: no provider call under the ledger's locks.
        PlacementService.FlavorOffer flavor = placement.flavor(catalog.flavorId(request.flavor()))
                .orElseThrow(() -> ProblemException.invalid("flavor", "no configured provider offers flavor '" + request.flavor()
                        + "' (by name or id)"));
        Resources demand = flavor.resources();
        UUID serverId = UUID.randomUUID();
        QuotaReservation reservation = quotas.reserve(tenant, "server " + request.name(), amounts(demand, 1));

        PlacementHintsView h = request.hints();
        PlacementHints hints = PlacementHints.none().withFlavor(flavor.id());
        if (h != null) {
            if (h.providerKind() != null) {
                hints = hints.withProviderKind(ProviderKind.valueOf(h.providerKind().toUpperCase()));
            }
            if (h.region() != null) {
                hints = hints.inRegion(h.region());
            }
            if (h.zone() != null) {
                hints = hints.inZone(h.zone());
            }
            if (h.affinityGroup() != null) {
                hints = hints.withAffinityGroup(h.affinityGroup());
            }
            if (h.antiAffinityGroup() != null) {
                hints = hints.withAntiAffinityGroup(h.antiAffinityGroup());
            }
            if (h.maxHourlyPrice() != null) {
                hints = hints.withMaxHourlyPrice(h.maxHourlyPrice());
            }
        }
        PlacementRequest placementRequest = new PlacementRequest(serverId.toString(), tenant.id().toString(), demand, hints,
                tenant.allowedProviders());
        PlacementDecision decision = placement.place(placementRequest, override);
        if (decision instanceof PlacementDecision.Unplaceable unplaceable) {
            List<Problem.FieldError> filters = unplaceable.rejectedBy().entrySet().stream()
                    .map(e -> new Problem.FieldError("placement." + e.getKey(), "rejected " + e.getValue() + " of "
                            + unplaceable.hostsConsidered() + " hosts"))
                    .toList();
            throw new ProblemException(ProblemType.NO_CAPACITY, unplaceable.reason(), filters, Map.of());
        }
        PlacementDecision.Placed placed = (PlacementDecision.Placed) decision;
        String provider = placed.target().provider();
        CatalogNames.Named image = catalog.imageOn(provider, request.image());
        Instant now = now();
        Server server = new Server(serverId, tenant.id(), project.id(), request.name(), flavor.id(), image.id(),
                placed.target(), placed.hourlyPrice(), demand.vcpu(), demand.memoryMib(), demand.gpu(),
                h == null ? null : h.affinityGroup(), h == null ? null : h.antiAffinityGroup(), reservation.id(), now);
        server.named(catalog.flavorOn(provider, flavor.id()).map(CatalogNames.Named::name).orElse(null), image.name());
        em.persist(server);
        em.createNativeQuery("INSERT INTO placement_decision (resource_id, tenant_id, decided_by, explanation, decided_at) "
                        + "VALUES (?1, ?2, ?3, ?4, ?5)")
                .setParameter(1, serverId).setParameter(2, tenant.id())
                .setParameter(3, override.isPresent() ? "override" : "engine")
                .setParameter(4, placement.explain(decision, override.isPresent() ? "override" : "engine"))
                .setParameter(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .executeUpdate();
        Operation op = operations.start(tenant.id(), OperationKind.CREATE_SERVER, "server", serverId, server.provider(), null);
        events.record(LifecycleEvents.idFor(serverId, LifecycleEvents.Kind.REQUESTED), tenant.id(), "server", serverId,
                LifecycleEvents.Kind.REQUESTED, now, server.provider(), server.region(), null, shapeOf(server));
        em.flush();
        audit.record("server.requested", "server", serverId, tenant.id(), Map.of("name", request.name(),
                "flavor", flavor.id(), "placement", placed.target().toString()));
        return new Started(server, op);
    }

    @Transactional
    public Optional<Started> delete(Server server) {
        Server managed = lockActive(server);
        if (managed.status() == ServerStatus.DELETED) {
            return Optional.empty();
        }
        if (managed.status() == ServerStatus.FAILED || managed.providerServerId() == null && managed.status() != ServerStatus.BUILDING) {
            // Nothing exists in the provider and the quota went back when it failed.
            managed.moveTo(ServerStatus.DELETED, now());
            audit.record("server.deleted", "server", managed.id(), managed.tenantId(), Map.of("provider", "nothing to delete"));
            return Optional.empty();
        }
        String previous = managed.status().name();
        managed.moveTo(ServerStatus.DELETING, now());
        Operation op = operations.start(managed.tenantId(), OperationKind.DELETE_SERVER, "server", managed.id(), managed.provider(),
                params(Map.of("previousStatus", previous)));
        audit.record("server.delete-requested", "server", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    /**
     * The hourly price of {@code flavor} (an id or a name) where the server runs: the provider's list
     * price, else the configured one (flavor-prices, vcpu-hour-price) as placement prices it. A
     * provider call: never in a transaction.
     */
    @Transactional(Transactional.TxType.NEVER)
    public Optional<java.math.BigDecimal> listPrice(Server server, String flavor) {
        if (flavor == null || flavor.isBlank()) {
            return Optional.empty();
        }
        Optional<CatalogNames.Named> named = catalog.flavorOn(server.provider(), flavor);
        String id = named.map(CatalogNames.Named::id).orElse(flavor);
        Optional<java.math.BigDecimal> listed = providers.get(server.provider()).capability(io.skydeck.connectors.spi.PriceList.class)
                .flatMap(p -> p.flavorPrice(server.region(), id)).map(p -> p.hourly().amount());
        if (listed.isPresent()) {
            return listed;
        }
        return placement.flavor(id).flatMap(offer -> providers.placement(server.provider()).priceOf(
                new io.skydeck.connectors.spi.Flavor(id, named.map(CatalogNames.Named::name).orElse(id),
                        new io.skydeck.connectors.spi.Resources(offer.resources().vcpu(), offer.resources().memoryMib(),
                                offer.resources().gpu()), 0)));
    }

    /** Starts, stops or resizes; {@code resizePrice} is the new flavor's price, read before the transaction. */
    @Transactional
    public Started act(Tenant tenant, Server server, String action, String newFlavor, Optional<java.math.BigDecimal> resizePrice) {
        Server managed = lockActive(server);
        return switch (action) {
            case "start" -> power(managed, ServerStatus.STOPPED, OperationKind.START_SERVER, "server.start-requested");
            case "stop" -> power(managed, ServerStatus.ACTIVE, OperationKind.STOP_SERVER, "server.stop-requested");
            case "resize" -> resize(tenant, managed, newFlavor, resizePrice);
            default -> throw ProblemException.invalid("action", "one of start, stop, resize");
        };
    }

    private Started power(Server server, ServerStatus required, OperationKind kind, String auditAction) {
        if (server.status() != required) {
            throw new ProblemException(ProblemType.CONFLICT,
                    "server " + server.id() + " is " + server.status() + "; " + kind.name().toLowerCase().replace('_', ' ')
                            + " needs it " + required);
        }
        Operation op = operations.start(server.tenantId(), kind, "server", server.id(), server.provider(), null);
        audit.record(auditAction, "server", server.id(), server.tenantId(), Map.of("operation", op.id()));
        return new Started(server, op);
    }

    private Started resize(Tenant tenant, Server server, String newFlavor, Optional<java.math.BigDecimal> price) {
        if (newFlavor == null || newFlavor.isBlank()) {
            throw ProblemException.invalid("flavor", "resize needs the new flavor");
        }
        if (server.status() != ServerStatus.ACTIVE && server.status() != ServerStatus.STOPPED) {
            throw new ProblemException(ProblemType.CONFLICT, "server " + server.id() + " is " + server.status() + "; resize needs it ACTIVE or STOPPED");
        }
        Optional<CatalogNames.Named> named = catalog.flavorOn(server.provider(), newFlavor);
        newFlavor = named.map(CatalogNames.Named::id).orElse(newFlavor);
        if (newFlavor.equals(server.flavor())) {
            throw ProblemException.invalid("flavor", "the server already has flavor " + newFlavor);
        }
        String wanted = newFlavor;
        PlacementService.FlavorOffer flavor = placement.flavor(newFlavor)
                .filter(f -> f.providers().contains(server.provider()))
                .orElseThrow(() -> ProblemException.invalid("flavor", "provider " + server.provider() + " does not offer flavor '" + wanted + "'"));
        Resources current = new Resources(server.vcpu(), server.memoryMib(), server.gpu());
        Resources growth = new Resources(Math.max(0, flavor.resources().vcpu() - current.vcpu()),
                Math.max(0, flavor.resources().memoryMib() - current.memoryMib()), 0);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("flavor", newFlavor);
        named.ifPresent(n -> params.put("flavorName", n.name()));
        // The new size as ordered, so the operation can finish (or undo) if the flavor is deleted meanwhile.
        params.put("vcpu", String.valueOf(flavor.resources().vcpu()));
        params.put("memoryMib", String.valueOf(flavor.resources().memoryMib()));
        params.put("gpu", String.valueOf(flavor.resources().gpu()));
        params.put("previousStatus", server.status().name());
        price.ifPresent(p -> params.put("hourlyPrice", p.toPlainString()));
        QuotaAmounts extra = amounts(growth, 0);
        if (!extra.isZero()) {
            params.put("growthReservation", quotas.reserve(tenant, "resize of server " + server.name(), extra).id().toString());
        }
        if (!placement.resize(holdOf(server, newFlavor, flavor.resources()), holdOf(server, server.flavor(), current),
                targetOf(server))) {
            throw new ProblemException(ProblemType.NO_CAPACITY,
                    "host " + server.host() + " has no room for flavor " + newFlavor + "; resize stays on the same host");
        }
        // This replica's engine agreed; the ledger decides, against every replica's servers on the host.
        Optional<String> refused = ledger.admitResize(server.id().toString(), targetOf(server), flavor.resources());
        if (refused.isPresent()) {
            placement.resize(holdOf(server, server.flavor(), current), holdOf(server, newFlavor, flavor.resources()),
                    targetOf(server));
            throw new ProblemException(ProblemType.NO_CAPACITY, refused.get() + "; resize stays on the same host",
                    List.of(), Map.of());
        }
        server.holdForResize(flavor.resources().vcpu(), flavor.resources().memoryMib(), flavor.resources().gpu());
        server.moveTo(ServerStatus.RESIZING, now());
        Operation op = operations.start(server.tenantId(), OperationKind.RESIZE_SERVER, "server", server.id(), server.provider(),
                params(params));
        audit.record("server.resize-requested", "server", server.id(), server.tenantId(), Map.of("flavor", newFlavor, "operation", op.id()));
        return new Started(server, op);
    }

    private Server lockActive(Server server) {
        Server managed = em.find(Server.class, server.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS,
                    "operation " + op.id() + " (" + op.kind() + ") is still running on server " + managed.id());
        });
        return managed;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Server> find(UUID id) {
        return Optional.ofNullable(em.find(Server.class, id));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> placementOf(UUID serverId) {
        return em.createNativeQuery("SELECT explanation FROM placement_decision WHERE resource_id = ?1", String.class)
                .setParameter(1, serverId).getResultStream().findFirst().map(String.class::cast);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Server> list(Optional<UUID> tenantId, Optional<UUID> projectId, Optional<ServerStatus> status,
                             Optional<String> name, PageRequest page) {
        StringBuilder jpql = new StringBuilder("select s from Server s where 1 = 1");
        Map<String, Object> p = new LinkedHashMap<>();
        tenantId.ifPresent(v -> { jpql.append(" and s.tenantId = :tenant"); p.put("tenant", v); });
        projectId.ifPresent(v -> { jpql.append(" and s.projectId = :project"); p.put("project", v); });
        status.ifPresent(v -> { jpql.append(" and s.status = :status"); p.put("status", v); });
        name.ifPresent(v -> { jpql.append(" and s.name = :name"); p.put("name", v); });
        page.after().ifPresent(c -> {
            jpql.append(" and (s.createdAt > :at or (s.createdAt = :at and s.id > :id))");
            p.put("at", c.createdAt());
            p.put("id", c.id());
        });
        jpql.append(" order by s.createdAt, s.id");
        var query = em.createQuery(jpql.toString(), Server.class).setMaxResults(page.limit() + 1);
        p.forEach(query::setParameter);
        return query.getResultList();
    }

    public static Cursor position(Server s) {
        return new Cursor(s.createdAt(), s.id());
    }

    /** The engine's view of a server's hold, as {@code flavor} of size {@code demand}. */
    static PlacementRequest holdOf(Server s, String flavor, Resources demand) {
        PlacementHints hints = PlacementHints.none().withFlavor(flavor);
        if (s.affinityGroup() != null) {
            hints = hints.withAffinityGroup(s.affinityGroup());
        }
        if (s.antiAffinityGroup() != null) {
            hints = hints.withAntiAffinityGroup(s.antiAffinityGroup());
        }
        return new PlacementRequest(s.id().toString(), s.tenantId().toString(), demand, hints);
    }

    PlacementTarget targetOf(Server s) {
        return placement.target(s.provider(), s.region(), s.zone(), s.host());
    }

    static LifecycleEvents.Shape shapeOf(Server s) {
        return new LifecycleEvents.Shape(s.flavor(), s.vcpu() * 1000L, s.memoryMib(), s.gpu(), 1);
    }

    static QuotaAmounts amounts(Resources demand, int servers) {
        return new QuotaAmounts(demand.vcpu(), (demand.memoryMib() + 1023) / 1024, servers, 0, 0);
    }

    private String params(Map<String, String> values) {
        return OperationParams.write(json, values);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
