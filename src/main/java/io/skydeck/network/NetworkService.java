package io.skydeck.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.Placement;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;
import io.skydeck.network.NetworkViews.CreateNetwork;
import io.skydeck.network.NetworkViews.NetworkHints;
import io.skydeck.network.NetworkViews.SubnetRequest;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.InvalidAddress;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.provisioning.NewResource;
import io.skydeck.provisioning.Provisioning;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Tenant networks. Where a network goes (provider, region, its zones) and how its range splits
 * into subnets is decided before any transaction ({@link #plan}: configuration only, no provider
 * call); {@link #create} runs the provisioning pipeline like every kind, whose placement step
 * re-checks the tenant's allow-list as its row says now.
 */
@ApplicationScoped
public class NetworkService {

    /** An IPv6 subnet's prefix: SLAAC needs a /64. */
    static final int IPV6_SUBNET = 64;

    /** Narrowest subnet a zone may get: AWS refuses subnets smaller than a /28. */
    static final int NARROWEST_SUBNET = 28;

    public record Started(Network network, Operation operation) {
    }

    /** One subnet to carve: a zone and its range. */
    public record SubnetPlan(String zone, Cidr cidr) {
    }

    /** A create request checked and placed: where it goes, why, and its subnets. */
    public record Plan(String provider, String region, String decidedBy, Cidr cidr, Optional<Cidr> ipv6, List<SubnetPlan> subnets,
                       boolean ipv6Assigned) {
        /** {@code ipv6Assigned}: dual-stack with the range the provider chooses, known once CREATE_NETWORK succeeded. */
        public Plan(String provider, String region, String decidedBy, Cidr cidr, Optional<Cidr> ipv6, List<SubnetPlan> subnets) {
            this(provider, region, decidedBy, cidr, ipv6, subnets, false);
        }
    }

    /** The CREATE_NETWORK parameter that asks the provider for the IPv6 range it assigns itself. */
    static final String IPV6_ASSIGNED = "ipv6Assigned";

    @Inject
    NetworkRepository networkRepository;

    @Inject
    SubnetRepository subnetRepository;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    NetworkLinkRepository linkRepository;

    @Inject
    TenantSecurityGroupRepository securityGroups;

    @Inject
    ProviderRegistry providers;

    @Inject
    Provisioning provisioning;

    @Inject
    OperationService operations;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    /** Checks the ranges and chooses provider and region; reads configuration only, never inside a transaction. */
    @Transactional(Transactional.TxType.NEVER)
    public Plan plan(Tenant tenant, CreateNetwork request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Cidr cidr = parse("cidr", request.cidr(), errors);
        if (cidr != null) {
            if (cidr.family() != Family.IPV4) {
                errors.add(new Problem.FieldError("cidr", request.cidr() + " is not IPv4: a network's range is IPv4; give IPv6 as ipv6Cidr"));
            } else if (cidr.prefix() < 16 || cidr.prefix() > 28) {
                errors.add(new Problem.FieldError("cidr", request.cidr() + " is a /" + cidr.prefix() + "; a network's range is between /16 and /28"));
            }
        }
        Optional<Cidr> ipv6 = Optional.ofNullable(request.ipv6Cidr()).map(text -> parse("ipv6Cidr", text, errors));
        ipv6.filter(range -> range.family() != Family.IPV6 || range.prefix() > 64).ifPresent(range ->
                errors.add(new Problem.FieldError("ipv6Cidr", range + " must be an IPv6 range of /64 or wider")));
        fail(errors);

        NetworkHints hints = Optional.ofNullable(request.hints()).orElse(new NetworkHints(null, null, null));
        ProviderSites.Site site = ProviderSites.first(providers.all(), tenant.allowedProviders(), Networks.class, "networks",
                Optional.ofNullable(hints.provider()),
                Optional.ofNullable(hints.providerKind()).map(k -> ProviderKind.valueOf(k.toUpperCase(Locale.ROOT))),
                Optional.ofNullable(hints.region()));
        boolean givenSubnets = request.subnets() != null && !request.subnets().isEmpty();
        List<SubnetPlan> subnets;
        if (site.provider().kind() == ProviderKind.KUBERNETES) {
            // A namespace with a default-deny policy: pods take the cluster's addresses, so there is nothing to carve.
            if (givenSubnets) {
                throw ProblemException.invalid("subnets", "a network on Kubernetes (" + site.provider().name()
                        + ") is a namespace; it has no subnets");
            }
            subnets = List.of();
        } else {
            subnets = givenSubnets ? given(cidr, site.region(), request.subnets()) : carve(cidr, site.region().zones());
        }
        boolean assignsIpv6 = site.provider().capability(Networks.class).map(Networks::assignsIpv6Range).orElse(false);
        if (Boolean.FALSE.equals(request.ipv6()) && ipv6.isPresent()) {
            throw ProblemException.invalid("ipv6", "false, yet ipv6Cidr " + ipv6.get() + " is given");
        }
        if (ipv6.isPresent() && assignsIpv6) {
            throw ProblemException.invalid("ipv6Cidr", "on " + site.provider().kind().name().toLowerCase(Locale.ROOT) + " (provider "
                    + site.provider().name() + ") the provider assigns a network's IPv6 range (AWS assigns each VPC an Amazon-provided /56): "
                    + "ask with \"ipv6\": true and no ipv6Cidr");
        }
        boolean ipv6Assigned = Boolean.TRUE.equals(request.ipv6()) && ipv6.isEmpty();
        if (ipv6Assigned && !(assignsIpv6 && site.provider().kind() != ProviderKind.KUBERNETES)) {
            throw ProblemException.invalid("ipv6", "provider " + site.provider().name() + " does not choose a network's IPv6 range: give it as ipv6Cidr");
        }
        if (ipv6.isPresent()) {
            if (site.provider().kind() == ProviderKind.KUBERNETES) {
                throw ProblemException.invalid("ipv6Cidr", "a network on Kubernetes (" + site.provider().name()
                        + ") is a namespace: pods take the cluster's addresses, of whatever families the cluster has; it has no IPv6 range");
            }
            if (!site.provider().capability(Networks.class).map(Networks::realisesIpv6).orElse(false)) {
                throw ProblemException.invalid("ipv6Cidr", "provider " + site.provider().name() + " does not realise a tenant-given IPv6 range");
            }
            int spare = IPV6_SUBNET - ipv6.get().prefix();
            if (spare < 31 && (1L << spare) < subnets.size()) {
                throw ProblemException.invalid("ipv6Cidr", ipv6.get() + " holds " + (1L << spare) + " /" + IPV6_SUBNET
                        + " and the network has " + subnets.size() + " subnets, one /" + IPV6_SUBNET + " each");
            }
        }
        return new Plan(site.provider().name(), site.region().id(), site.decidedBy(), cidr, ipv6, subnets, ipv6Assigned);
    }

    @Transactional
    public Started create(Tenant tenant, Project project, CreateNetwork request, Plan plan) {
        networkRepository.find("tenantId = ?1 and name = ?2 and status not in ?3", tenant.id(), request.name(),
                List.of(Network.Status.DELETED, Network.Status.FAILED)).firstResultOptional().ifPresent(taken -> {
                    throw new ProblemException(ProblemType.CONFLICT, "the tenant already has a network named '" + request.name()
                            + "': " + taken.id(), List.of(new Problem.FieldError("name", "taken by network " + taken.id())), Map.of());
                });
        Provisioning.Admitted<Network> admitted = provisioning.admit(tenant, new NewNetwork(tenant, project, request, plan));
        Instant now = now();
        List<Cidr> ipv4 = plan.subnets().stream().map(SubnetPlan::cidr).toList();
        List<Cidr> ipv6 = plan.ipv6().map(range -> ipv6Blocks(range, ipv4)).orElse(null);
        for (int i = 0; i < plan.subnets().size(); i++) {
            SubnetPlan subnet = plan.subnets().get(i);
            subnetRepository.persist(new Subnet(UUID.randomUUID(), admitted.resource().id(), tenant.id(), subnet.zone(),
                    subnet.cidr().toString(), ipv6 == null ? null : ipv6.get(i).toString(), now));
        }
        return new Started(admitted.resource(), admitted.operation());
    }

    /**
     * The /64 of each subnet (given by its IPv4 range): a dual-stack network's subnets take the
     * /64s of its IPv6 range in the order of their IPv4 ranges — one rule whether the range is
     * known when the network is asked for or only once the provider has assigned it (AWS).
     */
    static List<Cidr> ipv6Blocks(Cidr range, List<Cidr> subnets) {
        List<Cidr> ordered = subnets.stream().sorted().toList();
        return subnets.stream().map(subnet -> range.block(IPV6_SUBNET, ordered.indexOf(subnet))).toList();
    }

    /**
     * Deletes the network and its subnets through one DELETE_NETWORK operation. While the network or
     * one of its subnets is still being created, the answer is a 409: a create of a network cannot be
     * cancelled. A delete already running is answered again.
     */
    @Transactional
    public Optional<Started> delete(Network network) {
        Network managed = networkRepository.findById(network.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> running = operations.activeOn(managed.id());
        if (running.isPresent() && running.get().kind() == OperationKind.DELETE_NETWORK) {
            return Optional.of(new Started(managed, running.get()));
        }
        running.ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on network " + managed.id() + "; delete it once it is " + Network.Status.AVAILABLE);
        });
        @SuppressWarnings("unchecked")
        List<Object[]> servers = em.createNativeQuery("""
                SELECT id, name FROM server WHERE network_id = ?1 AND status NOT IN ('DELETED', 'FAILED')
                UNION ALL
                SELECT id, name FROM workload WHERE network_id = ?1 AND status NOT IN ('DELETED', 'FAILED') LIMIT 3""")
                .setParameter(1, managed.id()).getResultList();
        if (!servers.isEmpty()) {
            throw new ProblemException(ProblemType.CONFLICT, "network " + managed.name() + " is in use by server(s) or workload(s) "
                    + servers.stream().map(s -> s[1] + " (" + s[0] + ")").toList() + "; delete them first");
        }
        securityGroups.liveIn(managed.id()).stream().findFirst().ifPresent(group -> {
            throw new ProblemException(ProblemType.CONFLICT, "network " + managed.name() + " is in use: security group " + group.name()
                    + " (" + group.id() + ") is in it; delete the group first");
        });
        linkRepository.activeOn(managed.id()).stream().findFirst().ifPresent(link -> {
            throw new ProblemException(ProblemType.CONFLICT, "network " + managed.name() + " is in use: link " + link.id() + " joins it to network "
                    + link.peerOf(managed.id()) + "; delete the link first");
        });
        List<Subnet> subnets = subnetRepository.of(managed.id());
        for (Subnet subnet : subnets) {
            operations.activeOn(subnet.id()).ifPresent(op -> {
                throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "subnet " + subnet.id() + " of network " + managed.id()
                        + " is still being created (operation " + op.id() + "); delete the network once it is done");
            });
        }
        Instant now = now();
        if (managed.status() == Network.Status.DELETED) {
            return Optional.empty();
        }
        if (managed.status() == Network.Status.FAILED) {
            managed.moveTo(Network.Status.DELETED, now);
            audit.record("network.deleted", "network", managed.id(), managed.tenantId(), Map.of("provider", "nothing to delete"));
            return Optional.empty();
        }
        managed.moveTo(Network.Status.DELETING, now);
        subnets.stream().filter(Subnet::mayExistInProvider).forEach(subnet -> subnet.moveTo(Subnet.Status.DELETING, now));
        Operation op = operations.start(managed.tenantId(), OperationKind.DELETE_NETWORK, "network", managed.id(), managed.provider(), null);
        audit.record("network.delete-requested", "network", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Network> find(UUID id) {
        return networkRepository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Subnet> subnets(UUID networkId) {
        return subnetRepository.of(networkId);
    }

    /** The subnets of several networks (a page of them) in one query. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<UUID, List<Subnet>> subnets(Collection<UUID> networkIds) {
        return subnetRepository.of(networkIds);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Network> list(Optional<UUID> tenantId, Optional<Network.Status> status, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("status", status).page(networkRepository, page);
    }

    public static Cursor position(Network n) {
        return new Cursor(n.createdAt(), n.id());
    }

    /**
     * One subnet per zone: the range splits into the smallest power of two of equal parts that
     * gives every zone one, in the region's zone order. Equal parts keep each zone's addresses in
     * one aggregate route; the spare parts stay free for zones the region gains later.
     */
    static List<SubnetPlan> carve(Cidr cidr, List<String> zones) {
        if (zones.isEmpty()) {
            throw new ProblemException(ProblemType.NO_CAPACITY, "the region has no zones to put subnets in");
        }
        int extraBits = 32 - Integer.numberOfLeadingZeros(zones.size() - 1);
        int prefix = cidr.prefix() + extraBits;
        if (prefix > NARROWEST_SUBNET) {
            throw ProblemException.invalid("cidr", cidr + " is too narrow for " + zones.size() + " zones: each would get a /" + prefix
                    + ", and a subnet is at least a /" + NARROWEST_SUBNET + "; give a wider range or the subnets yourself");
        }
        List<SubnetPlan> subnets = new ArrayList<>();
        for (int i = 0; i < zones.size(); i++) {
            subnets.add(new SubnetPlan(zones.get(i), cidr.block(prefix, i)));
        }
        return subnets;
    }

    private static List<SubnetPlan> given(Cidr vpc, Region region, List<SubnetRequest> requested) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<SubnetPlan> subnets = new ArrayList<>();
        Map<String, Integer> zoneSeen = new LinkedHashMap<>();
        for (int i = 0; i < requested.size(); i++) {
            SubnetRequest subnet = requested.get(i);
            String field = "subnets[" + i + "]";
            if (!region.hasZone(subnet.zone())) {
                errors.add(new Problem.FieldError(field + ".zone", "region " + region.id() + " has no zone '" + subnet.zone()
                        + "'; its zones are " + region.zones()));
            }
            Integer earlier = zoneSeen.putIfAbsent(subnet.zone(), i);
            if (earlier != null) {
                errors.add(new Problem.FieldError(field + ".zone", "subnets[" + earlier + "] is already in zone '" + subnet.zone()
                        + "': a network has one subnet per zone"));
            }
            Cidr cidr = parse(field + ".cidr", subnet.cidr(), errors);
            if (cidr == null) {
                continue;
            }
            if (!vpc.contains(cidr)) {
                errors.add(new Problem.FieldError(field + ".cidr", cidr + " is outside the network's range " + vpc));
            } else if (cidr.prefix() > NARROWEST_SUBNET) {
                errors.add(new Problem.FieldError(field + ".cidr", cidr + " is narrower than a /" + NARROWEST_SUBNET));
            }
            for (int j = 0; j < subnets.size(); j++) {
                if (subnets.get(j).cidr().overlaps(cidr)) {
                    errors.add(new Problem.FieldError(field + ".cidr", cidr + " overlaps " + subnets.get(j).cidr() + " of subnets[" + j + "]"));
                }
            }
            subnets.add(new SubnetPlan(subnet.zone(), cidr));
        }
        fail(errors);
        return subnets;
    }

    private static Cidr parse(String field, String text, List<Problem.FieldError> errors) {
        try {
            return Cidr.parse(text);
        } catch (InvalidAddress e) {
            errors.add(new Problem.FieldError(field, e.getMessage()));
            return null;
        }
    }

    private static void fail(List<Problem.FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new ProblemException(ProblemType.VALIDATION, errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " fields are not valid", errors, Map.of());
        }
    }

    /** A network as the provisioning pipeline builds it: a range in a provider's region, no host. */
    private final class NewNetwork implements NewResource<Network> {
        private final Tenant tenant;
        private final Project project;
        private final CreateNetwork request;
        private final Plan plan;

        NewNetwork(Tenant tenant, Project project, CreateNetwork request, Plan plan) {
            this.tenant = tenant;
            this.project = project;
            this.request = request;
            this.plan = plan;
        }

        @Override
        public String type() {
            return "network";
        }

        @Override
        public OperationKind createKind() {
            return OperationKind.CREATE_NETWORK;
        }

        @Override
        public String purpose() {
            return "network " + request.name();
        }

        @Override
        public QuotaAmounts quota() {
            return new QuotaAmounts(0, 0, 0, 0, 0, 1);
        }

        @Override
        public Placement place(UUID networkId) {
            // The tenant's row as it is now decides the allow-list; the plan was made before the transaction.
            Set<String> allowed = tenantRepository.findById(tenant.id()).allowedProviders();
            if (!allowed.isEmpty() && !allowed.contains(plan.provider())) {
                throw new ProblemException(ProblemType.NO_CAPACITY, "provider '" + plan.provider()
                        + "' was taken off the tenant's allowed providers while this request was made");
            }
            Map<String, Object> explanation = new LinkedHashMap<>();
            explanation.put("provider", plan.provider());
            explanation.put("region", plan.region());
            explanation.put("decidedBy", plan.decidedBy());
            explanation.put("subnets", plan.subnets().stream().map(s -> Map.of("zone", s.zone(), "cidr", s.cidr().toString())).toList());
            return new Placement(plan.provider(), plan.region(), Optional.empty(), null, plan.decidedBy(), write(explanation));
        }

        /** The range is the provider's choice: CREATE_NETWORK asks for it, and its success records it and carves the /64s. */
        @Override
        public String operationParams() {
            return plan.ipv6Assigned() ? io.skydeck.operations.OperationParams.write(json, Map.of(IPV6_ASSIGNED, "true")) : null;
        }

        @Override
        public Network build(UUID id, QuotaReservation reservation, Placement placed, Instant now) {
            return new Network(id, tenant.id(), project.id(), request.name(), plan.cidr().toString(),
                    plan.ipv6().map(Cidr::toString).orElse(null), placed.provider(), placed.region(), reservation.id(), now);
        }

        @Override
        public NetworkRepository repository() {
            return networkRepository;
        }

        @Override
        public LifecycleEvents.Shape shape(Network network) {
            return new LifecycleEvents.Shape(null, 0, 0, 0, 0);
        }

        @Override
        public Map<String, Object> auditDetails(Network network, Placement placed) {
            return Map.of("name", network.name(), "cidr", network.cidr(), "subnets", plan.subnets().size());
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
