package io.skydeck.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.Placement;
import io.skydeck.capacity.PlacementRefused;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.Region;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.operations.OperationKind;
import io.skydeck.platform.appends.Appends;
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
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tenant's default network (its default VPC) in a provider's region: where a server or workload
 * goes that names no network, on a provider that {@code skydeck.network.default-vpc.providers}
 * lists. The first such create in the region makes it, in the create's own transaction; later
 * ones use it until it is deleted, and the next create after that makes a new one.
 *
 * <p>It is an ordinary network otherwise — the configured range split into one subnet per zone
 * of the region, realised by the same CREATE_NETWORK and CREATE_SUBNET operations, listed, and
 * deleted like any other once nothing uses it — except that it does not count against the
 * {@code networks} quota: Skydeck makes it, one per provider and region, as a cloud makes its own
 * default VPC, and a tenant whose quota allows no network of its own can still run servers.
 *
 * <p>At most one exists per tenant, provider and region (the partial unique index
 * {@code network_default}). Creates on two replicas at once both insert it with
 * {@code ON CONFLICT DO NOTHING}: PostgreSQL makes the later insert wait for the first
 * transaction and then do nothing, and the later create reads and uses the first one's row.
 */
@ApplicationScoped
public class DefaultNetworks {

    private static final Logger LOG = Logger.getLogger(DefaultNetworks.class);

    /** How a default network's placement record says it was decided. */
    static final String DECIDED_BY = "default-network";

    /** What the placement record says of a default network's provider and region: the create that needed it. */
    private static final String REASON = "the first server or workload without a networkId in the region";

    /** The SQLSTATE {@code default_network_unchanged} refuses with. */
    private static final String CHANGED = "SKN01";

    /** At most this many tenants' networks are kept; past it the map starts again empty (a bound, not an eviction policy). */
    static final int KEPT = 10_000;

    private record Key(UUID tenant, String provider, String region) {
    }

    /** Per tenant, provider and region, the default network a server create of this replica last found there. */
    private final Map<Key, WithSubnets> kept = new ConcurrentHashMap<>();

    @Inject
    DefaultVpcConfig config;

    @Inject
    ProviderRegistry providers;

    @Inject
    NetworkRepository networkRepository;

    @Inject
    SubnetRepository subnetRepository;

    @Inject
    Provisioning provisioning;

    @Inject
    Ipam ipam;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    Appends appends;

    /** Whether a create without a network on {@code provider} goes into its default network. Configuration only. */
    public boolean offeredBy(String provider) {
        Optional<CloudProvider> cloud = providers.find(provider);
        if (cloud.isEmpty() || cloud.get().capability(Networks.class).isEmpty()) {
            return false;
        }
        Set<String> listed = new java.util.HashSet<>();
        config.providers().forEach(p -> listed.add(p.trim().toLowerCase(Locale.ROOT)));
        return listed.contains(provider.toLowerCase(Locale.ROOT)) || listed.contains(cloud.get().kind().name().toLowerCase(Locale.ROOT));
    }

    /**
     * The tenant's default network in the region, made now if it has none, as a choice for a new
     * server or workload: its subnets that exist or are being made (a new one's are all still
     * PENDING: the resource's create operation waits for them). The network's row is held with a
     * share lock, so it cannot be deleted before the new resource counts as using it.
     *
     * @param project the project a new default network is recorded under: the creating request's
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public ServerNetworks.Choice forNewResource(Tenant tenant, Project project, String provider, String region) {
        return choiceOf(find(tenant, project, provider, region));
    }

    /**
     * As {@link #forNewResource}, for a server's create, whose caller makes it again when it is
     * refused at its commit ({@link PlacementRefused#retrying}). The network this replica found
     * for the tenant's last server in the region (an existing one, never one made by the create
     * itself) is used again without reading it; instead the create's last round trip checks it
     * ({@code default_network_unchanged}, V57): the row share-locked, as the read would have, still
     * CREATING or AVAILABLE, and its live subnets still the ones handed out. If not, the create is
     * refused, what was kept is forgotten, and the create made again reads the network anew.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public ServerNetworks.Choice forNewServer(Tenant tenant, Project project, String provider, String region) {
        Key key = new Key(tenant.id(), provider, region);
        WithSubnets known = kept.get(key);
        if (known != null) {
            ServerNetworks.Choice choice = choiceOf(known);
            String[] subnets = choice.subnetsByZone().values().stream().map(s -> s.id().toString()).toArray(String[]::new);
            appends.check(new Appends.Refusal(CHANGED, error -> PlacementRefused.stale("the tenant's default network "
                            + known.network().name() + " changed while the create was made: " + error.getMessage(),
                            () -> kept.remove(key, known))),
                    "SELECT default_network_unchanged(?, CAST(? AS uuid[]))", known.network().id(), subnets);
            return choice;
        }
        WithSubnets found = find(tenant, project, provider, region);
        ServerNetworks.Choice choice = choiceOf(found);
        if (found.existing()) {
            if (kept.size() >= KEPT) {
                kept.clear();
            }
            kept.put(key, found);
        }
        return choice;
    }

    private WithSubnets find(Tenant tenant, Project project, String provider, String region) {
        return live(tenant.id(), provider, region)
                .or(() -> create(tenant, project, provider, region).map(id -> new WithSubnets(
                        em.find(Network.class, id, LockModeType.PESSIMISTIC_READ), subnetRepository.of(id), false)))
                .or(() -> live(tenant.id(), provider, region))
                .orElseThrow(() -> nameTaken(tenant.id(), provider, region));
    }

    private static ServerNetworks.Choice choiceOf(WithSubnets found) {
        Network network = found.network();
        if (network.status() == Network.Status.DELETING) {
            throw new ProblemException(ProblemType.CONFLICT, "the tenant's default network " + network.name() + " (" + network.id()
                    + ") is being deleted; try again once it is gone (a new one is then made), or name a networkId",
                    List.of(new Problem.FieldError("networkId", "default network is being deleted")), Map.of());
        }
        if (!network.status().live()) {
            // Failed or deleted between the look-up and the lock: the next create makes a new one.
            throw new ProblemException(ProblemType.CONFLICT, "the tenant's default network " + network.name() + " became "
                    + network.status() + " while this request was made; try again");
        }
        Map<String, Subnet> byZone = new LinkedHashMap<>();
        for (Subnet subnet : found.subnets()) {
            if (subnet.status() == Subnet.Status.PENDING || subnet.status() == Subnet.Status.CREATING
                    || subnet.status() == Subnet.Status.AVAILABLE) {
                byZone.put(subnet.zone(), subnet);
            }
        }
        return new ServerNetworks.Choice(network, byZone, List.of());
    }

    /** The name a default network gets: unique per tenant, as every live network's name is. */
    static String nameOf(String provider, String region) {
        String name = "default-" + provider + "-" + region;
        return name.length() <= 63 ? name : name.substring(0, 63);
    }

    /** A default network and its subnets; {@code existing} unless this transaction made them (and may yet roll back). */
    private record WithSubnets(Network network, List<Subnet> subnets, boolean existing) {
    }

    /**
     * The tenant's live default network there, found and share-locked (the lock keeps a delete from
     * starting under the resource this request puts in it), with its subnets in zone order, in one
     * statement. One that turned DELETED or FAILED while the lock was awaited no longer matches: the
     * caller makes a new one.
     */
    private Optional<WithSubnets> live(UUID tenantId, String provider, String region) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.unwrap(org.hibernate.Session.class).createNativeQuery("""
                        SELECT {n.*}, {s.*} FROM (SELECT * FROM network WHERE tenant_id = :tenant AND provider = :provider
                              AND region = :region AND is_default AND status NOT IN ('DELETED', 'FAILED') LIMIT 1 FOR SHARE) n
                        LEFT JOIN subnet s ON s.network_id = n.id ORDER BY s.zone""", Object[].class)
                .addEntity("n", Network.class).addEntity("s", Subnet.class)
                .setParameter("tenant", tenantId).setParameter("provider", provider).setParameter("region", region)
                .getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        List<Subnet> subnets = rows.stream().map(r -> (Subnet) r[1]).filter(java.util.Objects::nonNull).toList();
        return Optional.of(new WithSubnets((Network) rows.get(0)[0], subnets, true));
    }

    /** Makes the default network and its subnets; empty when another transaction made it first. */
    private Optional<UUID> create(Tenant tenant, Project project, String provider, String region) {
        Cidr cidr = range();
        Region zones = providers.get(provider).regions().stream().filter(r -> r.id().equals(region)).findFirst()
                .orElseThrow(() -> new IllegalStateException("provider " + provider + " has no region " + region));
        List<NetworkService.SubnetPlan> plans = NetworkService.carve(cidr, zones.zones());
        Optional<Provisioning.Admitted<Network>> admitted = provisioning.admitUnlessPresent(tenant,
                new NewDefaultNetwork(tenant, project, provider, region, cidr, plans));
        if (admitted.isEmpty()) {
            return Optional.empty();
        }
        UUID id = admitted.get().resource().id();
        Instant now = admitted.get().resource().createdAt();
        for (NetworkService.SubnetPlan plan : plans) {
            Subnet subnet = new Subnet(UUID.randomUUID(), id, tenant.id(), plan.zone(), plan.cidr().toString(), null, now); // IPv4 only
            subnetRepository.persist(subnet);
            // The new resource's address is taken from this subnet at once; should this transaction not
            // commit, the IPAM (which commits on its own) forgets the subnet again.
            UUID made = subnet.id();
            transactions.registerInterposedSynchronization(AfterCompletion.unlessCommitted(() -> forgetUnmade(made)));
        }
        subnetRepository.flush();
        return Optional.of(id);
    }

    private Cidr range() {
        try {
            Cidr cidr = Cidr.parse(config.cidr());
            if (cidr.prefix() < 16 || cidr.prefix() > NetworkService.NARROWEST_SUBNET) {
                throw new IllegalArgumentException("a network's range is between /16 and /" + NetworkService.NARROWEST_SUBNET);
            }
            return cidr;
        } catch (RuntimeException e) {
            throw new IllegalStateException("skydeck.network.default-vpc.cidr=" + config.cidr() + " is not a usable range: "
                    + e.getMessage(), e);
        }
    }

    /** No default network was made and none is there: a network of the tenant's own has its name. */
    private ProblemException nameTaken(UUID tenantId, String provider, String region) {
        String name = nameOf(provider, region);
        return new ProblemException(ProblemType.CONFLICT, "the tenant's network named '" + name + "' is not its default network of "
                + provider + "/" + region + ", and the default network would take that name; name a networkId, or rename or delete it",
                List.of(new Problem.FieldError("networkId", "no default network: name '" + name + "' is taken")), Map.of());
    }

    /** A default network as the provisioning pipeline builds it; inserted unless another create's is there. */
    private final class NewDefaultNetwork implements NewResource<Network> {
        private final Tenant tenant;
        private final Project project;
        private final String provider;
        private final String region;
        private final Cidr cidr;
        private final List<NetworkService.SubnetPlan> subnets;

        NewDefaultNetwork(Tenant tenant, Project project, String provider, String region, Cidr cidr,
                          List<NetworkService.SubnetPlan> subnets) {
            this.tenant = tenant;
            this.project = project;
            this.provider = provider;
            this.region = region;
            this.cidr = cidr;
            this.subnets = subnets;
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
            return "default network of " + provider + "/" + region;
        }

        /** Not counted: see the class's note. */
        @Override
        public QuotaAmounts quota() {
            return new QuotaAmounts(0, 0, 0, 0, 0, 0);
        }

        @Override
        public Placement place(UUID networkId) {
            Map<String, Object> explanation = new LinkedHashMap<>();
            explanation.put("provider", provider);
            explanation.put("region", region);
            explanation.put("decidedBy", DECIDED_BY);
            explanation.put("reason", REASON);
            explanation.put("subnets", subnets.stream().map(s -> Map.of("zone", s.zone(), "cidr", s.cidr().toString())).toList());
            return new Placement(provider, region, Optional.empty(), null, DECIDED_BY, write(explanation));
        }

        @Override
        public Network build(UUID id, QuotaReservation reservation, Placement placed, Instant now) {
            return Network.defaultOf(id, tenant.id(), project.id(), nameOf(provider, region), cidr.toString(), provider, region, now);
        }

        @Override
        public boolean insertIfAbsent(Network n) {
            // No conflict target: the partial index network_default (and the live-name index) are the arbiters.
            OffsetDateTime at = OffsetDateTime.ofInstant(n.createdAt(), ZoneOffset.UTC);
            return em.createNativeQuery("""
                            INSERT INTO network (id, tenant_id, project_id, name, cidr, provider, region, status, is_default,
                                                 created_at, updated_at, version)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, true, ?9, ?9, 0)
                            ON CONFLICT DO NOTHING""")
                    .setParameter(1, n.id()).setParameter(2, n.tenantId()).setParameter(3, n.projectId()).setParameter(4, n.name())
                    .setParameter(5, n.cidr()).setParameter(6, n.provider()).setParameter(7, n.region())
                    .setParameter(8, n.status().name()).setParameter(9, at)
                    .executeUpdate() == 1;
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
            return Map.of("name", network.name(), "cidr", network.cidr(), "subnets", subnets.size(), "default", true);
        }
    }

    /** A new subnet whose transaction did not commit: its IPAM rows go. */
    private void forgetUnmade(UUID subnet) {
        try {
            ipam.forget(subnet);
        } catch (RuntimeException e) {
            // Only rows for a subnet that never existed stay behind; nothing can allocate from them.
            LOG.warnf("could not forget subnet %s of a default network that was not made: %s", subnet, e.toString());
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
