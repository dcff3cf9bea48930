package io.skydeck.network;

import io.skydeck.capacity.Placement;
import io.skydeck.compute.Server;
import io.skydeck.compute.ServerStatus;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
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

import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Public addresses: allocate, point at a server, point nowhere, release — each an operation. The
 * provider and region come from the hints or the first provider the tenant may use that has
 * public addresses (configuration only, read before the transaction).
 */
@ApplicationScoped
public class PublicIpService {

    public record Started(PublicIp publicIp, Operation operation) {
    }

    /** Where an allocation goes. */
    public record Site(String provider, String region, String decidedBy) {
    }

    @Inject
    PublicIpRepository repository;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    ProviderRegistry providers;

    @Inject
    Provisioning provisioning;

    @Inject
    OperationService operations;

    @Inject
    AuditLog audit;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Transactional(Transactional.TxType.NEVER)
    public Site site(Tenant tenant, Optional<String> provider, Optional<String> region) {
        ProviderSites.Site site = ProviderSites.first(providers.all(), tenant.allowedProviders(), PublicIps.class,
                "public addresses", provider, Optional.empty(), region);
        return new Site(site.provider().name(), site.region().id(), site.decidedBy());
    }

    @Transactional
    public Started allocate(Tenant tenant, Project project, Site site) {
        Provisioning.Admitted<PublicIp> admitted = provisioning.admit(tenant, new NewPublicIp(tenant, project, site));
        return new Started(admitted.resource(), admitted.operation());
    }

    /** Points the address at one of the tenant's servers in the same provider and region. */
    @Transactional
    public Started associate(PublicIp ip, Server server) {
        PublicIp managed = lockIdle(ip);
        requireAllocated(managed);
        if (!server.tenantId().equals(managed.tenantId())) {
            throw ProblemException.notFound("server", server.id());
        }
        if (!server.provider().equals(managed.provider()) || !server.region().equals(managed.region())) {
            throw ProblemException.invalid("serverId", "server " + server.id() + " runs in " + server.provider() + "/" + server.region()
                    + "; this address belongs to " + managed.provider() + "/" + managed.region());
        }
        if (server.providerServerId() == null || !server.status().holdsCapacity() || server.status() == ServerStatus.DELETING) {
            throw new ProblemException(ProblemType.CONFLICT, "server " + server.id() + " is " + server.status()
                    + "; an address can point at a server that the provider runs");
        }
        if (managed.serverId() != null && !managed.serverId().equals(server.id())) {
            throw new ProblemException(ProblemType.CONFLICT, "address " + managed.address() + " points at server " + managed.serverId()
                    + "; disassociate it first");
        }
        Operation op = operations.start(managed.tenantId(), OperationKind.ASSOCIATE_PUBLIC_IP, "public-ip", managed.id(),
                managed.provider(), OperationParams.write(json, Map.of("serverId", server.id().toString())));
        audit.record("public-ip.associate-requested", "public-ip", managed.id(), managed.tenantId(),
                Map.of("server", server.id(), "operation", op.id()));
        return new Started(managed, op);
    }

    @Transactional
    public Started disassociate(PublicIp ip) {
        PublicIp managed = lockIdle(ip);
        requireAllocated(managed);
        Operation op = operations.start(managed.tenantId(), OperationKind.DISASSOCIATE_PUBLIC_IP, "public-ip", managed.id(),
                managed.provider(), null);
        audit.record("public-ip.disassociate-requested", "public-ip", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return new Started(managed, op);
    }

    /** Releases the address; one still pointing at a server is a 409 naming it. */
    @Transactional
    public Optional<Started> release(PublicIp ip) {
        PublicIp managed = repository.findById(ip.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> running = operations.activeOn(managed.id());
        if (running.isPresent() && running.get().kind() == OperationKind.RELEASE_PUBLIC_IP) {
            return Optional.of(new Started(managed, running.get()));
        }
        running.ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on public IP " + managed.id());
        });
        Instant now = now();
        switch (managed.status()) {
            case RELEASED -> {
                return Optional.empty();
            }
            case FAILED -> {
                managed.moveTo(PublicIp.Status.RELEASED, now);
                audit.record("public-ip.released", "public-ip", managed.id(), managed.tenantId(), Map.of("provider", "nothing to release"));
                return Optional.empty();
            }
            default -> {
            }
        }
        if (managed.serverId() != null) {
            throw new ProblemException(ProblemType.CONFLICT, "address " + managed.address() + " still points at server "
                    + managed.serverId() + "; disassociate it first");
        }
        managed.moveTo(PublicIp.Status.RELEASING, now);
        Operation op = operations.start(managed.tenantId(), OperationKind.RELEASE_PUBLIC_IP, "public-ip", managed.id(),
                managed.provider(), null);
        audit.record("public-ip.release-requested", "public-ip", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    /**
     * The server is gone: providers drop its addresses' association with it (Neutron with the port,
     * EC2 with the instance), and so do we, in the transaction that records the delete.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void serverGone(UUID serverId, Instant at) {
        em.createQuery("update PublicIp p set p.serverId = null, p.updatedAt = ?2, p.version = p.version + 1 where p.serverId = ?1")
                .setParameter(1, serverId).setParameter(2, at).executeUpdate();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<PublicIp> find(UUID id) {
        return repository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<PublicIp> list(Optional<UUID> tenantId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).page(repository, page);
    }

    public static Cursor position(PublicIp ip) {
        return new Cursor(ip.createdAt(), ip.id());
    }

    private PublicIp lockIdle(PublicIp ip) {
        PublicIp managed = repository.findById(ip.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on public IP " + managed.id());
        });
        return managed;
    }

    private static void requireAllocated(PublicIp ip) {
        if (ip.status() != PublicIp.Status.ALLOCATED) {
            throw new ProblemException(ProblemType.CONFLICT, "public IP " + ip.id() + " is " + ip.status()
                    + "; only an allocated address can be pointed");
        }
    }

    /** A public address as the provisioning pipeline builds it: in a provider's region, no host. */
    private final class NewPublicIp implements NewResource<PublicIp> {
        private final Tenant tenant;
        private final Project project;
        private final Site site;

        NewPublicIp(Tenant tenant, Project project, Site site) {
            this.tenant = tenant;
            this.project = project;
            this.site = site;
        }

        @Override
        public String type() {
            return "public-ip";
        }

        @Override
        public OperationKind createKind() {
            return OperationKind.ALLOCATE_PUBLIC_IP;
        }

        @Override
        public String purpose() {
            return "public IP in " + site.provider() + "/" + site.region();
        }

        @Override
        public QuotaAmounts quota() {
            return new QuotaAmounts(0, 0, 0, 0, 1, 0);
        }

        @Override
        public Placement place(UUID id) {
            Set<String> allowed = tenantRepository.findById(tenant.id()).allowedProviders();
            if (!allowed.isEmpty() && !allowed.contains(site.provider())) {
                throw new ProblemException(ProblemType.NO_CAPACITY, "provider '" + site.provider()
                        + "' was taken off the tenant's allowed providers while this request was made");
            }
            return new Placement(site.provider(), site.region(), Optional.empty(), null, site.decidedBy(),
                    OperationParams.write(json, Map.of("provider", site.provider(), "region", site.region(), "decidedBy", site.decidedBy())));
        }

        @Override
        public PublicIp build(UUID id, QuotaReservation reservation, Placement placed, Instant now) {
            return new PublicIp(id, tenant.id(), project.id(), placed.provider(), placed.region(), reservation.id(), now);
        }

        @Override
        public PublicIpRepository repository() {
            return repository;
        }

        @Override
        public LifecycleEvents.Shape shape(PublicIp ip) {
            return new LifecycleEvents.Shape(null, 0, 0, 0, 0);
        }

        @Override
        public Map<String, Object> auditDetails(PublicIp ip, Placement placed) {
            return Map.of("provider", placed.provider(), "region", placed.region());
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
