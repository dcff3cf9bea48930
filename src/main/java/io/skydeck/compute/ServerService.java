package io.skydeck.compute;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.CapacityLedger;
import io.skydeck.capacity.Placement;
import io.skydeck.capacity.PlacementService;
import io.skydeck.capacity.Placements;
import io.skydeck.compute.ComputeViews.CreateServer;
import io.skydeck.compute.ComputeViews.PlacementHintsView;
import io.skydeck.network.DefaultNetworks;
import io.skydeck.network.Network;
import io.skydeck.network.ServerNetworks;
import io.skydeck.operations.Cancellations;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.placement.PlacementHints;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ProviderKind;
import io.skydeck.placement.Resources;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.providers.CatalogNames;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.provisioning.NewResource;
import io.skydeck.provisioning.Provisioning;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Server requests. A create goes through the provisioning pipeline ({@link Provisioning}) like
 * every kind, as a {@link NewResource} whose placement is a host chosen by the engine and admitted
 * by the ledger; actions (start, stop, resize) and delete start an operation on a locked server.
 */
@ApplicationScoped
public class ServerService {

    public record Started(Server server, Operation operation) {
    }

    @Inject
    ServerRepository serverRepository;

    @Inject
    QuotaService quotas;

    @Inject
    PlacementService placement;

    @Inject
    CapacityLedger ledger;

    @Inject
    Placements placements;

    @Inject
    Provisioning provisioning;

    @Inject
    OperationService operations;

    @Inject
    Cancellations cancellations;

    @Inject
    AuditLog audit;

    @Inject
    ProviderRegistry providers;

    @Inject
    ObjectMapper json;

    @Inject
    CatalogNames catalog;

    @Inject
    ServerNetworks serverNetworks;

    @Inject
    DefaultNetworks defaultNetworks;

    @Inject
    Clock clock;

    @Transactional
    public Started create(Tenant tenant, Project project, CreateServer request, Optional<PlacementTarget> override) {
        // Names resolve from the catalogue the last inventory read cached: no provider call under the ledger's locks.
        PlacementService.FlavorOffer flavor = placement.flavor(catalog.flavorId(request.flavor()))
                .orElseThrow(() -> ProblemException.invalid("flavor", "no configured provider offers flavor '" + request.flavor()
                        + "' (by name or id)"));
        if (request.networkId() == null && request.securityGroups() != null && !request.securityGroups().isEmpty()) {
            throw ProblemException.invalid("securityGroups", "security groups apply to a server in a network; name its networkId");
        }
        Optional<ServerNetworks.Choice> network = Optional.ofNullable(request.networkId())
                .map(id -> serverNetworks.choose(tenant.id(), id, request.securityGroups()));
        Provisioning.Admitted<Server> admitted = provisioning.admit(tenant, new NewServer(tenant, project, request, flavor, override, network));
        return new Started(admitted.resource(), admitted.operation());
    }

    /** A server as the provisioning pipeline builds it: a flavor's size, placed on a host by the engine and the ledger. */
    private final class NewServer implements NewResource<Server> {
        private final Tenant tenant;
        private final Project project;
        private final CreateServer request;
        private final PlacementService.FlavorOffer flavor;
        private final Optional<PlacementTarget> override;
        /** The network named, or — once placed on a provider that has them — the tenant's default network there. */
        private Optional<ServerNetworks.Choice> network;
        /** What the engine was asked, for the ledger's word at the end of the pipeline. */
        private PlacementRequest proposed;

        NewServer(Tenant tenant, Project project, CreateServer request, PlacementService.FlavorOffer flavor,
                  Optional<PlacementTarget> override, Optional<ServerNetworks.Choice> network) {
            this.tenant = tenant;
            this.project = project;
            this.request = request;
            this.flavor = flavor;
            this.override = override;
            this.network = network;
        }

        @Override
        public String type() {
            return "server";
        }

        @Override
        public OperationKind createKind() {
            return OperationKind.CREATE_SERVER;
        }

        @Override
        public String purpose() {
            return "server " + request.name();
        }

        @Override
        public QuotaAmounts quota() {
            return amounts(flavor.resources(), 1);
        }

        @Override
        public Placement place(UUID serverId) {
            PlacementHints hints = hints(request.hints(), flavor.id());
            Set<String> allowed = tenant.allowedProviders();
            if (network.isPresent()) {
                hints = withinNetwork(hints, network.get());
                allowed = Set.of(network.get().network().provider());
                if (!tenant.allowedProviders().isEmpty() && !tenant.allowedProviders().contains(network.get().network().provider())) {
                    throw new ProblemException(ProblemType.NO_CAPACITY, "network " + network.get().network().name() + " is in provider "
                            + network.get().network().provider() + ", which the tenant may no longer use");
                }
            }
            proposed = new PlacementRequest(serverId.toString(), tenant.id().toString(), flavor.resources(), hints, allowed);
            Placement placed = placements.server(proposed, override);
            if (network.isEmpty() && defaultNetworks.offeredBy(placed.provider())) {
                // Before the ledger's rows and the quota's: a new default network has a subnet in every zone of the region.
                network = Optional.of(defaultNetworks.forNewServer(tenant, project, placed.provider(), placed.region()));
                if (!network.get().zones().contains(placed.target().zone())) {
                    throw new ProblemException(ProblemType.CONFLICT, "zone " + placed.target().zone() + " has no usable subnet in the tenant's"
                            + " default network " + network.get().network().name() + " (its subnets are in " + network.get().zones()
                            + "); ask for one of those zones, name a networkId, or delete the default network to have it made anew",
                            List.of(new Problem.FieldError("hints.zone", "no subnet of the default network")),
                            Map.of());
                }
            }
            if (network.isPresent() && !network.get().zones().contains(placed.target().zone())) {
                throw ProblemException.invalid("target", "zone " + placed.target().zone() + " has no subnet of network "
                        + network.get().network().name() + "; its subnets are in " + network.get().zones());
            }
            return placed;
        }

        @Override
        public void admitPlacement(Placement placed) {
            placements.admitServer(proposed, placed, override.isPresent());
        }

        @Override
        public Server build(UUID id, QuotaReservation reservation, Placement placed, Instant now) {
            PlacementHintsView h = request.hints();
            Resources demand = flavor.resources();
            CatalogNames.Named image = catalog.imageOn(placed.provider(), request.image());
            Server server = new Server(id, tenant.id(), project.id(), request.name(), flavor.id(), image.id(),
                    placed.target(), placed.hourlyPrice(), demand.vcpu(), demand.memoryMib(), demand.gpu(),
                    h == null ? null : h.affinityGroup(), h == null ? null : h.antiAffinityGroup(), reservation.id(), now);
            server.named(catalog.flavorOn(placed.provider(), flavor.id()).map(CatalogNames.Named::name).orElse(null),
                    image.name());
            network.ifPresent(choice -> serverNetworks.attach(server, choice, placed.target().zone(), placed.target().hostId()));
            return server;
        }

        @Override
        public ServerRepository repository() {
            return serverRepository;
        }

        @Override
        public LifecycleEvents.Shape shape(Server server) {
            return shapeOf(server);
        }

        @Override
        public Map<String, Object> auditDetails(Server server, Placement placed) {
            return Map.of("name", request.name(), "flavor", flavor.id(), "placement", placed.target().toString());
        }
    }

    /**
     * A server in a network goes to the network's region, and to a zone where the network has a
     * subnet: the zone asked for, or — when the subnets do not cover every zone — the first subnet's.
     */
    private PlacementHints withinNetwork(PlacementHints hints, ServerNetworks.Choice choice) {
        Network n = choice.network();
        if (hints.region() != null && !hints.region().equals(n.region())) {
            throw ProblemException.invalid("hints.region", "network " + n.name() + " is in region " + n.region());
        }
        if (hints.zone() != null && !choice.zones().contains(hints.zone())) {
            throw ProblemException.invalid("hints.zone", "network " + n.name() + " has no subnet in zone " + hints.zone()
                    + "; its subnets are in " + choice.zones());
        }
        PlacementHints within = hints.inRegion(n.region());
        boolean everyZone = providers.find(n.provider()).flatMap(p -> p.regions().stream().filter(r -> r.id().equals(n.region())).findFirst())
                .map(r -> choice.zones().containsAll(r.zones())).orElse(false);
        return hints.zone() == null && !everyZone ? within.inZone(choice.zones().iterator().next()) : within;
    }

    /** The engine's hints from a request's, with the flavor (its price ceiling and GPU reserve need it). */
    private static PlacementHints hints(PlacementHintsView h, String flavorId) {
        PlacementHints hints = PlacementHints.none().withFlavor(flavorId);
        if (h == null) {
            return hints;
        }
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
        return hints;
    }

    /**
     * Deletes the server. A create, start, stop or resize still running is superseded — ended
     * CANCELLED and undone as its failure would be — instead of answering 409 until it ends; a
     * delete already running (or a failed create's clean-up) is answered again. Locks the running
     * operation's row before the server's, as the runner and a cancel do.
     */
    @Transactional
    public Optional<Started> delete(Server server) {
        Optional<Operation> running = cancellations.lockActiveOn(server.id());
        Server managed = serverRepository.findById(server.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> active = operations.activeOn(managed.id());
        if (active.isPresent() && active.get().kind() == OperationKind.DELETE_SERVER) {
            return Optional.of(alreadyDeleting(managed, active.get()));
        }
        if (!active.map(Operation::id).equals(running.map(Operation::id))) {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + active.get().id() + " ("
                    + active.get().kind() + ") started on server " + managed.id() + " while this delete waited; try again");
        }
        if (running.isPresent()) {
            cancellations.supersede(running.get());
            // A create undone leaves its clean-up running (what the provider made is deleted by token): that is this delete.
            Optional<Operation> cleanUp = operations.activeOn(managed.id());
            if (cleanUp.isPresent()) {
                cancellations.supersededBy(running.get(), cleanUp.get());
                return Optional.of(alreadyDeleting(managed, cleanUp.get()));
            }
        }
        Optional<Started> deleting = deleteIdle(managed);
        running.ifPresent(superseded -> deleting.ifPresent(started -> cancellations.supersededBy(superseded, started.operation())));
        return deleting;
    }

    /** The delete already under way answers a repeated one; a failed create's clean-up now ends the server DELETED too. */
    private Started alreadyDeleting(Server server, Operation delete) {
        if (server.status() != ServerStatus.DELETING) {
            server.moveTo(ServerStatus.DELETING, now());
            audit.record("server.delete-requested", "server", server.id(), server.tenantId(), Map.of("operation", delete.id()));
        }
        return new Started(server, delete);
    }

    private Optional<Started> deleteIdle(Server managed) {
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
        if (!placement.resize(holdOf(server, newFlavor, flavor.resources()), holdOf(server, server.flavor(), current),
                targetOf(server))) {
            throw new ProblemException(ProblemType.NO_CAPACITY,
                    "host " + server.host() + " has no room for flavor " + newFlavor + "; resize stays on the same host");
        }
        // This replica's engine agreed; the ledger decides, against every replica's servers on the host.
        // The host's row before the tenant's quota rows: the lock order of every create and of a resize's end.
        PlacementRequest grownHold = holdOf(server, newFlavor, flavor.resources());
        Runnable undoEngine = () -> placement.resize(holdOf(server, server.flavor(), current), grownHold, targetOf(server));
        ledger.admitResize(server.id().toString(), targetOf(server), flavor.resources(), reason -> {
            undoEngine.run();
            return new ProblemException(ProblemType.NO_CAPACITY, reason + "; resize stays on the same host", List.of(), Map.of());
        });
        QuotaAmounts extra = amounts(growth, 0);
        if (!extra.isZero()) {
            try {
                params.put("growthReservation", quotas.reserve(tenant, "resize of server " + server.name(), extra).id().toString());
            } catch (RuntimeException quotaRefused) {
                undoEngine.run();
                throw quotaRefused;
            }
        }
        server.holdForResize(flavor.resources().vcpu(), flavor.resources().memoryMib(), flavor.resources().gpu());
        server.moveTo(ServerStatus.RESIZING, now());
        Operation op = operations.start(server.tenantId(), OperationKind.RESIZE_SERVER, "server", server.id(), server.provider(),
                params(params));
        audit.record("server.resize-requested", "server", server.id(), server.tenantId(), Map.of("flavor", newFlavor, "operation", op.id()));
        return new Started(server, op);
    }

    private Server lockActive(Server server) {
        Server managed = serverRepository.findById(server.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS,
                    "operation " + op.id() + " (" + op.kind() + ") is still running on server " + managed.id());
        });
        return managed;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Server> find(UUID id) {
        return serverRepository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ComputeViews.ServerView> list(Optional<UUID> tenantId, Optional<UUID> projectId, Optional<ServerStatus> status,
                                              Optional<String> name, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("projectId", projectId).where("status", status)
                .where("name", name).page(serverRepository, page, ComputeViews.ServerView.class);
    }

    public static Cursor position(ComputeViews.ServerView s) {
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
        return new QuotaAmounts(demand.vcpu(), (demand.memoryMib() + 1023) / 1024, servers, 0, 0, 0);
    }

    private String params(Map<String, String> values) {
        return OperationParams.write(json, values);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
