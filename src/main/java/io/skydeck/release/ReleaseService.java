package io.skydeck.release;

import io.skydeck.compute.Server;
import io.skydeck.compute.ServerRepository;
import io.skydeck.compute.ServerStatus;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.release.ReleaseViews.CreateRelease;
import io.skydeck.release.ReleaseViews.InstanceView;
import io.skydeck.release.ReleaseViews.ReleaseView;
import io.skydeck.release.rollout.ActionRefused;
import io.skydeck.release.rollout.Change;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.InvalidRollout;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutPolicy;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Releases: checks a request, plans the library's {@link Rollout} over the group and stores it;
 * applies a person's actions to the stored rollout. The steps themselves are run by a
 * {@link ReleaseDrivers driver}, never here: this class only writes what the rollout decided.
 */
@ApplicationScoped
public class ReleaseService {

    /** The traffic note of a release on a provider that cannot take instances out of traffic. */
    public static final String NO_TRAFFIC_CONTROL = "no traffic control on this provider";

    /** A person's action on a release, as its path names it. */
    public enum Action {
        APPROVE("approve"), PULL_IN_BASTION("pull-in-bastion"), PAUSE("pause"), RESUME("resume"), CONTINUE("continue"),
        ROLLBACK("rollback"), ABORT("abort");

        private final String path;

        Action(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }

        public static Optional<Action> of(String path) {
            for (Action a : values()) {
                if (a.path.equals(path)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    @Inject
    ReleaseRepository releases;

    @Inject
    ApplicationService applications;

    @Inject
    ReleaseGroupRepository groups;

    @Inject
    ServerRepository servers;

    @Inject
    ReleaseProgress progress;

    @Inject
    ReleaseLease lease;

    @Inject
    ProviderRegistry providers;

    @Inject
    DegradeSwitchService degradeSwitches;

    @Inject
    AuditLog audit;

    @Inject
    Caller caller;

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    @Transactional
    public Release create(Tenant tenant, CreateRelease request) {
        return create(tenant, request, null);
    }

    /**
     * @param actor who starts the release when it is not the request's caller (a train: "train"),
     *              recorded on its first events and in the audit log; null: the caller
     */
    @Transactional
    public Release create(Tenant tenant, CreateRelease request, String actor) {
        String startedBy = actor != null ? actor : caller.subject();
        if (request.groupId() == null) {
            throw ProblemException.invalid("groupId", "is required");
        }
        if (request.versionId() == null) {
            throw ProblemException.invalid("versionId", "is required");
        }
        ReleaseGroup group = groups.findByIdOptional(request.groupId(), LockModeType.PESSIMISTIC_WRITE)
                .filter(g -> g.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("release group", request.groupId()));
        ApplicationVersion version = applications.version(request.versionId())
                .filter(v -> v.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("version", request.versionId()));
        if (!version.applicationId().equals(group.applicationId())) {
            throw ProblemException.invalid("versionId", "version " + version.name() + " is of another application than group " + group.name());
        }
        Strategy strategy = strategy(request.strategy());
        List<UUID> switches = degradeSwitches.resolve(tenant.id(), Optional.ofNullable(request.degradeSwitches()).orElse(List.of()),
                "degradeSwitches");
        if (group.kind() == ReleaseGroup.Kind.WORKLOAD) {
            throw ProblemException.invalid("groupId", "group " + group.name() + " is a Kubernetes workload; releases onto a workload "
                    + "group are not yet supported (releases onto server groups are)");
        }
        CloudProvider provider = providers.get(group.provider());
        provider.require(Deployments.class);
        String trafficNote = provider.capability(TrafficControl.class).isEmpty() ? NO_TRAFFIC_CONTROL
                : group.trafficTarget() == null ? "the group has no traffic target" : null;

        List<Server> members = new ArrayList<>();
        for (UUID id : applications.serverIds(group.id())) {
            Server s = servers.findById(id);
            if (s.status() != ServerStatus.ACTIVE && s.status() != ServerStatus.STOPPED) {
                throw ProblemException.invalid("groupId", "server " + s.name() + " (" + s.id() + ") of group " + group.name() + " is "
                        + s.status() + "; take it out of the group or wait until it is ACTIVE");
            }
            members.add(s);
        }
        if (request.batchSize() != null && request.batchPercent() != null) {
            throw ProblemException.invalid("batchPercent", "give batchSize or batchPercent, not both");
        }
        if (request.batchPercent() != null && (request.batchPercent() < 1 || request.batchPercent() > 100)) {
            throw ProblemException.invalid("batchPercent", request.batchPercent() + " is outside 1..100");
        }
        int batchSize = request.batchPercent() != null
                ? Math.max(1, (int) Math.ceil(request.batchPercent() * members.size() / 100.0 - 1e-9))
                : Optional.ofNullable(request.batchSize()).orElse(1);
        int parallelism = Optional.ofNullable(request.parallelism()).orElse(batchSize);
        double brakeRatio = Optional.ofNullable(request.brakeRatio()).orElse(0.2);
        double onlineMinimum = Optional.ofNullable(request.onlineMinimum()).orElse(0.0);
        boolean bastion = Optional.ofNullable(request.bastion()).orElse(true);
        Rollout rollout;
        try {
            rollout = Rollout.plan(members.stream().map(s -> s.id().toString()).toList(),
                    new RolloutPolicy(batchSize, parallelism, brakeRatio, onlineMinimum, bastion));
        } catch (InvalidRollout e) {
            throw ProblemException.invalid(e.field(), e.getMessage().substring(e.field().length() + 2));
        }
        if (releases.count("groupId = ?1 and state not in ?2", group.id(),
                List.of(ReleaseState.SUCCEEDED.name(), ReleaseState.ROLLED_BACK.name(), ReleaseState.ABORTED.name())) > 0) {
            throw new ProblemException(ProblemType.CONFLICT, "group " + group.name() + " has a release that has not finished; "
                    + "finish, roll back or abort it first");
        }
        ReleaseState planned = rollout.state();
        rollout.advance();
        List<Change> changes = new ArrayList<>();
        changes.add(new Change(null, "REQUESTED", planned.name(), strategy + " release of version " + version.name()));
        changes.addAll(rollout.drainChanges());

        Optional<ApplicationVersion> previous = Optional.ofNullable(group.currentVersionId()).flatMap(applications::version);
        Instant now = now();
        Release release = new Release(UUID.randomUUID(), tenant.id(), group.applicationId(), group.id(), version.id(),
                previous.map(ApplicationVersion::id).orElse(null), strategy, batchSize, parallelism, ratio(brakeRatio), ratio(onlineMinimum),
                bastion, rollout.state().name(), trafficNote, progress.write(rollout.snapshot()), rollout.running().size(), now);
        releases.persist(release);
        em.flush();
        lease.create(release.id());
        List<ReleaseProgress.NewInstance> instances = members.stream().map(s -> new ReleaseProgress.NewInstance(s.id().toString(), s.id(),
                s.providerServerId(), previous.map(ApplicationVersion::artifact).orElse(s.image()))).toList();
        progress.insertInstances(release.id(), instances, rollout, changes, startedBy);
        audit.recordAs(actor, "release.created", "release", release.id(), tenant.id(), Map.of("group", group.id(), "version", version.id(),
                "strategy", strategy, "instances", members.size(), "degradeSwitches", switches));
        // Held from the start, in this transaction: the release and its holds exist together or not at all.
        if (!switches.isEmpty()) {
            degradeSwitches.holdForRelease(tenant.id(), release.id(), switches,
                    Optional.of("held by release " + release.id() + " of version " + version.name()));
        }
        return release;
    }

    /**
     * A person's action, applied to the stored rollout under the release's row lock: a driver's
     * write that raced it finds the version moved, reloads and records its results again.
     * Refused by the state machine: 409 with its reason.
     */
    @Transactional
    public Release act(UUID releaseId, Action action) {
        return act(releaseId, action, null);
    }

    /** @param actor who acts when it is not the request's caller (a train rolling back its carriage); null: the caller */
    @Transactional
    public Release act(UUID releaseId, Action action, String actor) {
        ReleaseProgress.Stored stored = progress.load(releaseId, true).orElseThrow(() -> ProblemException.notFound("release", releaseId));
        Rollout rollout = Rollout.restore(stored.snapshot());
        ReleaseState before = rollout.state();
        if (action == Action.ROLLBACK && before == ReleaseState.SUCCEEDED) {
            refuseIfSuperseded(releaseId);
        }
        try {
            switch (action) {
                case APPROVE -> rollout.approve();
                case PULL_IN_BASTION -> rollout.pullInBastion();
                case PAUSE -> rollout.pause();
                case RESUME -> rollout.resume();
                case CONTINUE -> rollout.continueAfterBrake();
                case ROLLBACK -> rollout.rollback();
                case ABORT -> rollout.abort();
            }
        } catch (ActionRefused e) {
            throw new ProblemException(ProblemType.CONFLICT, e.getMessage());
        }
        List<Change> changes = rollout.drainChanges();
        Set<String> touched = new LinkedHashSet<>();
        changes.stream().map(Change::instance).filter(i -> i != null).forEach(touched::add);
        ReleaseProgress.Written written = progress.write(releaseId, Optional.empty(), stored.version(), rollout, changes, touched,
                actor != null ? actor : caller.subject());
        if (written.outcome() != ReleaseProgress.Outcome.WRITTEN) {
            throw new IllegalStateException("release " + releaseId + " changed under its row lock");
        }
        Release release = releases.findById(releaseId);
        em.refresh(release);
        audit.recordAs(actor, "release." + action.path(), "release", releaseId, release.tenantId(),
                Map.of("from", before.name(), "to", rollout.state().name()));
        return release;
    }

    /**
     * A finished release is rolled back only while it is still the group's last: its rollback puts
     * back what the group ran before it (the group's current version too), which would undo a
     * later release's work. Under the group's row lock, as a new release's check is.
     */
    private void refuseIfSuperseded(UUID releaseId) {
        Release r = releases.findById(releaseId);
        ReleaseGroup group = groups.findById(r.groupId(), LockModeType.PESSIMISTIC_WRITE);
        if (releases.count("groupId = ?1 and createdAt > ?2 and id <> ?3", group.id(), r.createdAt(), r.id()) > 0) {
            throw new ProblemException(ProblemType.CONFLICT, "release " + releaseId + " is not the last release of group " + group.name()
                    + "; a later release changed the group since, so rolling this one back would undo it; release the version wanted instead");
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Release> find(UUID id) {
        return releases.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Release> list(Optional<UUID> tenantId, Optional<String> state, Optional<UUID> groupId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("state", state).where("groupId", groupId).page(releases, page);
    }

    public static Cursor position(Release r) {
        return new Cursor(r.createdAt(), r.id());
    }

    /** The release with every instance's state, as the API shows it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public ReleaseView view(Release r) {
        List<InstanceView> instances = progress.instances(r.id());
        int failed = 0;
        int inTraffic = 0;
        for (InstanceView i : instances) {
            InstanceState state = InstanceState.valueOf(i.state());
            if (state == InstanceState.FAILED) {
                failed++;
            }
            if (state.inTraffic() && i.step() == null) {
                inTraffic++;
            }
        }
        return new ReleaseView(r.id(), r.tenantId(), r.applicationId(), r.groupId(), r.versionId(), r.previousVersionId(), r.strategy(),
                r.batchSize(), r.parallelism(), r.brakeRatio(), r.onlineMinimum(), r.bastion(), r.state(), r.reason(), r.trafficNote(),
                failed, inTraffic, instances, degradeSwitches.heldFor(r.id()), r.version(), r.createdAt(), r.updatedAt(), r.finishedAt());
    }

    /** What a driver needs to run the release's steps. */
    @Transactional(Transactional.TxType.MANDATORY)
    public InstanceSteps.Plan plan(UUID releaseId) {
        Release r = releases.findById(releaseId);
        ReleaseGroup g = groups.findById(r.groupId());
        ApplicationVersion v = applications.version(r.versionId()).orElseThrow();
        Optional<TrafficTarget> traffic = r.trafficNote() == null ? Optional.of(new TrafficTarget(g.region(), g.trafficTarget()))
                : Optional.empty();
        return new InstanceSteps.Plan(r.id(), g.provider(), g.region(), traffic, v.artifact(), Optional.ofNullable(v.packageUrl()),
                Optional.ofNullable(v.sha256()), progress.targets(r.id()));
    }

    private static Strategy strategy(String text) {
        if (text == null) {
            return Strategy.ROLLING;
        }
        Strategy strategy;
        try {
            strategy = Strategy.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("strategy", "'" + text + "' is not one of " + List.of(Strategy.values()));
        }
        if (strategy != Strategy.ROLLING) {
            throw ProblemException.invalid("strategy", strategy + " is not yet supported; ROLLING (the Tars flow) is");
        }
        return strategy;
    }

    private static BigDecimal ratio(double value) {
        return BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_EVEN);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
