package io.skydeck.release;

import io.skydeck.compute.Server;
import io.skydeck.compute.ServerRepository;
import io.skydeck.compute.ServerStatus;
import io.skydeck.compute.Workload;
import io.skydeck.compute.WorkloadRepository;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.connectors.spi.WorkloadInstance;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
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
import io.skydeck.release.rollout.ReleaseFlow;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutPolicy;
import io.skydeck.release.switchover.Switchover;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
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
 * Releases: checks a request, plans the library's {@link Rollout} over the group (ROLLING,
 * RECREATE) or its {@link Switchover} over the group and a standby group (BLUE_GREEN, DARK,
 * AB_TEST: see {@link SwitchoverReleases}) and stores it; applies a person's actions to it. The
 * steps themselves are run by a {@link ReleaseDrivers driver}, never here: this class only writes
 * what the rollout decided.
 *
 * <p><b>Workload groups.</b> A release of a Kubernetes workload runs over the workload's pods,
 * which only the cluster knows: {@link #workloadPods} reads them from the provider before the
 * release is stored, outside any transaction, and {@link #create} stores them as the release's
 * instances (pod id, and the image each runs now as what a rollback restores). The set is fixed
 * from then on — the rollout's batches, brake and restart-safety all count a fixed set. A pod
 * its controller deletes or replaces during the release is <em>not</em> re-resolved: its next step
 * finds it gone, and the instance fails with a reason saying so (it counts toward the brake like
 * any failure); the replacement, started from the workload's template, runs the old image and is
 * not part of the release. Pods started during a release (a scale-up, a replacement) keep the
 * template's image, which then keeps the workload's template from following the release
 * ({@code TemplatePromotion} waits for every pod), so a later release brings them over. A
 * two-group release of a workload group reads the standby workload group's pods the same way.
 */
@ApplicationScoped
public class ReleaseService {

    /** The traffic note of a release on a provider that cannot take instances out of traffic. */
    public static final String NO_TRAFFIC_CONTROL = "no traffic control on this provider";

    /** A person's action on a release, as its path names it. */
    public enum Action {
        APPROVE("approve"), PULL_IN_BASTION("pull-in-bastion"), PAUSE("pause"), RESUME("resume"), CONTINUE("continue"),
        ROLLBACK("rollback"), ABORT("abort"),
        /** DARK and AB_TEST: put the standby group into all traffic. */
        PROMOTE("promote");

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
    ReleaseConfig config;

    @Inject
    ApplicationService applications;

    @Inject
    ReleaseGroupRepository groups;

    @Inject
    ServerRepository servers;

    @Inject
    WorkloadRepository workloads;

    @Inject
    ReleaseProgress progress;

    @Inject
    ReleaseLease lease;

    @Inject
    SwitchoverReleases switchovers;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseGates gates;

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

    /**
     * A workload group's pods as the cluster listed them, read before the release is stored; for a
     * two-group release onto a standby workload group, that group's pods too.
     */
    public record WorkloadPods(UUID groupId, List<WorkloadInstance> pods, Optional<UUID> standbyGroupId, List<WorkloadInstance> standbyPods) {
        public WorkloadPods {
            pods = List.copyOf(pods);
            standbyPods = List.copyOf(standbyPods);
        }

        public WorkloadPods(UUID groupId, List<WorkloadInstance> pods) {
            this(groupId, pods, Optional.empty(), List.of());
        }
    }

    /**
     * For a request naming a workload group of the tenant: the workload's pods, read from its
     * provider now — outside any transaction, so no lock is held while the cluster answers.
     * Empty for any other request ({@link #create} answers those).
     */
    @Transactional(Transactional.TxType.NEVER)
    public Optional<WorkloadPods> workloadPods(Tenant tenant, CreateRelease request) {
        if (request.groupId() == null) {
            return Optional.empty();
        }
        Optional<ReleaseGroup> found = groups.findByIdOptional(request.groupId())
                .filter(g -> g.tenantId().equals(tenant.id()) && g.kind() == ReleaseGroup.Kind.WORKLOAD);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ReleaseGroup group = found.get();
        List<WorkloadInstance> live = podsOf(group, "groupId");
        Optional<ReleaseGroup> standby = Optional.ofNullable(request.standbyGroupId())
                .flatMap(id -> groups.findByIdOptional(id))
                .filter(g -> g.tenantId().equals(tenant.id()) && g.kind() == ReleaseGroup.Kind.WORKLOAD && !g.id().equals(group.id()));
        if (standby.isEmpty()) {
            return Optional.of(new WorkloadPods(group.id(), live));
        }
        return Optional.of(new WorkloadPods(group.id(), live, Optional.of(standby.get().id()), podsOf(standby.get(), "standbyGroupId")));
    }

    /** The pods of a workload group's workload, from its provider; {@code field} names the group in a refusal. */
    private List<WorkloadInstance> podsOf(ReleaseGroup group, String field) {
        Workload workload = liveWorkload(group, field);
        Deployments deployments = providers.get(group.provider()).require(Deployments.class);
        if (!deployments.releasesWorkloads()) {
            throw ProblemException.invalid(field, "provider " + group.provider() + " cannot release a workload's instances; "
                    + "group " + group.name() + " is a workload");
        }
        try {
            return deployments.instancesOf(group.region(), workload.providerWorkloadId());
        } catch (ResourceNotFound e) {
            throw ProblemException.invalid(field, "workload " + workload.name() + " of group " + group.name()
                    + " is not on its provider any more: " + e.getMessage());
        } catch (RequestRejected e) {
            throw new ProblemException(ProblemType.CONFLICT, field + ": " + e.getMessage(),
                    List.of(new Problem.FieldError(field, e.getMessage())), Map.of());
        }
    }

    /** A release of a server group; a workload group's release needs its pods read first ({@link #workloadPods}). */
    @Transactional
    public Release create(Tenant tenant, CreateRelease request) {
        return create(tenant, request, Optional.empty(), null);
    }

    /**
     * @param actor who starts the release when it is not the request's caller (a train: "train"),
     *              recorded on its first events and in the audit log; null: the caller
     */
    @Transactional
    public Release create(Tenant tenant, CreateRelease request, String actor) {
        return create(tenant, request, Optional.empty(), actor);
    }

    @Transactional
    public Release create(Tenant tenant, CreateRelease request, Optional<WorkloadPods> pods) {
        return create(tenant, request, pods, null);
    }

    /**
     * @param pods    a workload group's pods, read from the cluster before this transaction
     * @param actor   who starts the release when it is not the request's caller (a train: "train"); null: the caller
     */
    @Transactional
    public Release create(Tenant tenant, CreateRelease request, Optional<WorkloadPods> pods, String actor) {
        String startedBy = actor != null ? actor : caller.subject();
        if (request.groupId() == null) {
            throw ProblemException.invalid("groupId", "is required");
        }
        if (request.versionId() == null) {
            throw ProblemException.invalid("versionId", "is required");
        }
        if (request.standbyGroupId() != null && request.standbyGroupId().compareTo(request.groupId()) < 0) {
            // Both groups of a two-group release are locked, always in id order: two requests naming the same pair the
            // other way round wait for each other instead of deadlocking.
            groups.findByIdOptional(request.standbyGroupId(), LockModeType.PESSIMISTIC_WRITE);
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
        Optional<Duration> ignition = ignitionTimeout(request.ignitionTimeout());
        List<UUID> switches = degradeSwitches.resolve(tenant.id(), Optional.ofNullable(request.degradeSwitches()).orElse(List.of()),
                "degradeSwitches");
        CloudProvider provider = providers.get(group.provider());
        provider.require(Deployments.class);
        String trafficNote = provider.capability(TrafficControl.class).isEmpty() ? NO_TRAFFIC_CONTROL
                : group.trafficTarget() == null ? "the group has no traffic target" : null;

        Optional<ApplicationVersion> previous = Optional.ofNullable(group.currentVersionId()).flatMap(applications::version);
        if (strategy.twoGroups()) {
            if (request.analysis() != null || request.canary() != null) {
                throw ProblemException.invalid(request.analysis() != null ? "analysis" : "canary", "applies to ROLLING, RECREATE and "
                        + "CANARY releases; a " + strategy + " release is judged by a person before its switch or promotion");
            }
            List<ReleaseProgress.NewInstance> live = group.kind() == ReleaseGroup.Kind.WORKLOAD ? pods(group, version, pods)
                    : servers(group, previous);
            return persist(tenant, group, version, strategy, live, trafficNote,
                    switchovers.plan(strategy, group, live, provider, request, pods), switches, actor, ignition);
        }
        List<ReleaseProgress.NewInstance> members = group.kind() == ReleaseGroup.Kind.WORKLOAD
                ? pods(group, version, pods)
                : servers(group, previous);
        if (strategy == Strategy.RECREATE) {
            for (var tars : List.of(Map.entry("batchSize", Optional.ofNullable(request.batchSize())),
                    Map.entry("batchPercent", Optional.ofNullable(request.batchPercent())),
                    Map.entry("onlineMinimum", Optional.ofNullable(request.onlineMinimum())),
                    Map.entry("bastion", Optional.ofNullable(request.bastion())))) {
                tars.getValue().ifPresent(v -> {
                    throw ProblemException.invalid(tars.getKey(), "does not apply to a RECREATE release: the whole group is one batch, "
                            + "with no bastion and no online minimum");
                });
            }
        }
        if (request.standbyGroupId() != null || request.routeHeader() != null || request.routeValue() != null) {
            throw ProblemException.invalid(request.standbyGroupId() != null ? "standbyGroupId" : request.routeHeader() != null
                    ? "routeHeader" : "routeValue", "applies to BLUE_GREEN, DARK and AB_TEST releases; this one is " + strategy);
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
        ReleaseGates.Planned gated = gates.plan(strategy, request, group, provider, members.size(), trafficNote);
        boolean bastion = Optional.ofNullable(request.bastion()).orElse(gated.canary().isEmpty());
        if (strategy == Strategy.RECREATE) {
            parallelism = Optional.ofNullable(request.parallelism()).orElse(members.size());
            batchSize = Math.max(1, members.size());
            bastion = false;
        }
        Rollout rollout;
        try {
            rollout = gated.rollout(members.stream().map(ReleaseProgress.NewInstance::instance).toList(), strategy == Strategy.RECREATE
                    ? RolloutPolicy.recreate(members.size(), parallelism, brakeRatio)
                    : new RolloutPolicy(batchSize, parallelism, brakeRatio, onlineMinimum, bastion));
        } catch (InvalidRollout e) {
            throw ProblemException.invalid(e.field(), e.getMessage().substring(e.field().length() + 2));
        }
        refuseUnfinished(group, null);
        ReleaseState planned = rollout.state();
        rollout.advance();
        List<Change> changes = new ArrayList<>();
        changes.add(new Change(null, "REQUESTED", planned.name(), strategy + " release of version " + version.name()));
        changes.addAll(rollout.drainChanges());

        Instant now = now();
        Release release = new Release(UUID.randomUUID(), tenant.id(), group.applicationId(), group.id(), version.id(),
                previous.map(ApplicationVersion::id).orElse(null), strategy, batchSize, parallelism, ratio(brakeRatio), ratio(onlineMinimum),
                bastion, rollout.state().name(), trafficNote, progress.write(rollout.snapshot()), rollout.running().size(), now);
        ignition.ifPresent(release::waitForIgnition);
        releases.persist(release);
        em.flush();
        lease.create(release.id());
        progress.insertInstances(release.id(), members, rollout, changes, startedBy);
        gates.store(release.id(), gated);
        audit.recordAs(actor, "release.created", "release", release.id(), tenant.id(), Map.of("group", group.id(), "version", version.id(),
                "strategy", strategy, "instances", members.size(), "degradeSwitches", switches));
        // Held from the start, in this transaction: the release and its holds exist together or not at all.
        if (!switches.isEmpty()) {
            degradeSwitches.holdForRelease(tenant.id(), release.id(), switches,
                    Optional.of("held by release " + release.id() + " of version " + version.name()));
        }
        return release;
    }

    /** The group's servers, bastion first; a rollback puts back the group's version, or the server's own image. */
    private List<ReleaseProgress.NewInstance> servers(ReleaseGroup group, Optional<ApplicationVersion> previous) {
        return liveServers(group).stream().map(s -> new ReleaseProgress.NewInstance(s.id().toString(), s.id(), s.providerServerId(),
                previous.map(ApplicationVersion::artifact).orElse(s.image()))).toList();
    }

    /** The group's servers, bastion first, each ACTIVE or STOPPED. */
    private List<Server> liveServers(ReleaseGroup group) {
        List<Server> members = new ArrayList<>();
        for (UUID id : applications.serverIds(group.id())) {
            Server s = servers.findById(id);
            if (s.status() != ServerStatus.ACTIVE && s.status() != ServerStatus.STOPPED) {
                throw ProblemException.invalid("groupId", "server " + s.name() + " (" + s.id() + ") of group " + group.name() + " is "
                        + s.status() + "; take it out of the group or wait until it is ACTIVE");
            }
            members.add(s);
        }
        return members;
    }

    /**
     * The workload's pods as read before this transaction, bastion first; a rollback puts back the
     * image each pod ran when they were read. A workload runs container images: a version that is
     * only a package cannot go on it.
     */
    private List<ReleaseProgress.NewInstance> pods(ReleaseGroup group, ApplicationVersion version, Optional<WorkloadPods> pods) {
        if (version.image() == null) {
            throw ProblemException.invalid("versionId", "version " + version.name() + " has a packageUrl but no image; group "
                    + group.name() + " is a Kubernetes workload, which runs container images: give the version an image");
        }
        liveWorkload(group);
        if (pods.isEmpty() || !pods.get().groupId().equals(group.id())) {
            // Only the REST path reads a workload's pods first (outside the transaction); trains do not yet.
            throw ProblemException.invalid("groupId", "group " + group.name() + " is a workload; its release is started through "
                    + "POST /v1/releases, which reads its pods from the cluster first");
        }
        if (pods.get().pods().isEmpty()) {
            throw ProblemException.invalid("groupId", "the workload of group " + group.name() + " has no pods to release");
        }
        return pods.get().pods().stream()
                .map(p -> new ReleaseProgress.NewInstance(p.id(), null, p.id(), p.image()))
                .toList();
    }

    private Workload liveWorkload(ReleaseGroup group) {
        return liveWorkload(group, "groupId");
    }

    private Workload liveWorkload(ReleaseGroup group, String field) {
        return workloads.findByIdOptional(group.workloadId())
                .filter(w -> (w.status() == Workload.Status.RUNNING || w.status() == Workload.Status.SCALING) && w.providerWorkloadId() != null)
                .orElseThrow(() -> ProblemException.invalid(field, "the workload of group " + group.name() + " is not running"));
    }

    /** A two-group release: stored like a rolling one, with the standby group's instances after the live group's. */
    private Release persist(Tenant tenant, ReleaseGroup group, ApplicationVersion version, Strategy strategy,
                            List<ReleaseProgress.NewInstance> members, String trafficNote, SwitchoverReleases.Planned planned, List<UUID> switches, String actor,
                            Optional<Duration> ignition) {
        refuseUnfinished(group, planned.standby());
        Switchover flow = planned.flow();
        ReleaseState first = flow.state();
        flow.advance();
        List<Change> changes = new ArrayList<>();
        changes.add(new Change(null, "REQUESTED", first.name(), strategy + " release of version " + version.name() + " onto standby group "
                + planned.standby().name() + " beside " + group.name()));
        changes.addAll(flow.drainChanges());
        Optional<ApplicationVersion> previous = Optional.ofNullable(group.currentVersionId()).flatMap(applications::version);
        Release release = new Release(UUID.randomUUID(), tenant.id(), group.applicationId(), group.id(), version.id(),
                previous.map(ApplicationVersion::id).orElse(null), strategy, planned.standbyMembers().size(), flow.parallelism(),
                ratio(flow.policy().brakeRatio()), ratio(0), false, flow.state().name(), trafficNote, progress.write(flow.snapshot()),
                flow.running().size(), now());
        release.twoGroups(planned.standby().id(), planned.routeHeader(), planned.routeValue());
        ignition.ifPresent(release::waitForIgnition);
        releases.persist(release);
        em.flush();
        lease.create(release.id());
        List<ReleaseProgress.NewInstance> instances = new ArrayList<>(members);
        instances.addAll(planned.standbyMembers());
        progress.insertInstances(release.id(), instances, flow, changes, actor != null ? actor : caller.subject());
        audit.recordAs(actor, "release.created", "release", release.id(), tenant.id(), Map.of("group", group.id(), "standbyGroup",
                planned.standby().id(), "version", version.id(), "strategy", strategy, "instances", instances.size(),
                "degradeSwitches", switches));
        if (!switches.isEmpty()) {
            degradeSwitches.holdForRelease(tenant.id(), release.id(), switches,
                    Optional.of("held by release " + release.id() + " of version " + version.name()));
        }
        return release;
    }

    /** One unfinished release per group, whether the group is its live or its standby group. */
    private void refuseUnfinished(ReleaseGroup group, ReleaseGroup standby) {
        List<UUID> ids = standby == null ? List.of(group.id()) : List.of(group.id(), standby.id());
        if (releases.count("(groupId in ?1 or standbyGroupId in ?1) and state not in ?2", ids,
                List.of(ReleaseState.SUCCEEDED.name(), ReleaseState.ROLLED_BACK.name(), ReleaseState.ABORTED.name())) > 0) {
            throw new ProblemException(ProblemType.CONFLICT, "group " + group.name() + (standby == null ? "" : " or " + standby.name())
                    + " has a release that has not finished; finish, roll back or abort it first");
        }
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
        ReleaseFlow rollout = stored.flow();
        ReleaseState before = rollout.state();
        if (action == Action.ROLLBACK && before == ReleaseState.SUCCEEDED) {
            refuseIfSuperseded(releaseId);
            if (rollout.instances().stream().allMatch(i -> i.state() == InstanceState.DONE)) {
                refuseRollbackOfReplacedPods(releaseId);
            }
        }
        Release current = releases.findById(releaseId);
        try {
            if (rollout instanceof Switchover switchover) {
                SwitchoverReleases.act(switchover, action, Strategy.valueOf(current.strategy()));
            } else {
                act((Rollout) rollout, action, current.strategy());
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

    /**
     * A release of a Deployment that succeeded on every pod brought its template along, and the Deployment's
     * controller then replaced every pod the release ran over with new ones (see the Kubernetes
     * connector's PodImageInstalls): there is nothing left for a rollback's steps to restore. Going
     * back is a new release of the previous image. StatefulSets and DaemonSets keep their pods
     * (OnDelete) and roll back like servers.
     */
    private void refuseRollbackOfReplacedPods(UUID releaseId) {
        Release r = releases.findById(releaseId);
        ReleaseGroup g = groups.findById(r.groupId());
        if (g.kind() != ReleaseGroup.Kind.WORKLOAD) {
            return;
        }
        Optional<Workload> w = workloads.findByIdOptional(g.workloadId());
        if (w.isPresent() && w.get().kind() == WorkloadKind.DEPLOYMENT) {
            throw new ProblemException(ProblemType.CONFLICT, "release " + releaseId + " succeeded and Deployment " + w.get().name()
                    + " took its image into the template, so its controller has replaced the pods this release ran on; "
                    + "to go back, release the previous version (a version with the previous image) to group " + g.name());
        }
    }

    private static void act(Rollout rollout, Action action, String strategy) {
        switch (action) {
            case APPROVE -> rollout.approve();
            case PULL_IN_BASTION -> rollout.pullInBastion();
            case PAUSE -> rollout.pause();
            case RESUME -> rollout.resume();
            case CONTINUE -> rollout.continueAfterBrake();
            case ROLLBACK -> rollout.rollback();
            case ABORT -> rollout.abort();
            case PROMOTE -> throw new ActionRefused(rollout.state(), "only a DARK or AB_TEST release is promoted; this one is " + strategy);
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
        ReleaseGates.Views gated = gates.views(r.id());
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
                failed, inTraffic, instances, degradeSwitches.heldFor(r.id()), r.version(), r.createdAt(), r.updatedAt(), r.finishedAt(),
                r.standbyGroupId(), r.routeHeader(), r.routeValue(), gated.analysis(), gated.canary(),
                r.ignitionTimeout().orElse(config.ignitionTimeout()).toString());
    }

    /** What a driver needs to run the release's steps. */
    @Transactional(Transactional.TxType.MANDATORY)
    public InstanceSteps.Plan plan(UUID releaseId) {
        Release r = releases.findById(releaseId);
        ReleaseGroup g = groups.findById(r.groupId());
        ApplicationVersion v = applications.version(r.versionId()).orElseThrow();
        Optional<TrafficTarget> traffic = r.trafficNote() == null ? Optional.of(new TrafficTarget(g.region(), g.trafficTarget()))
                : Optional.empty();
        Optional<InstanceSteps.HeaderRoute> route = r.routeHeader() == null ? Optional.empty()
                : Optional.of(new InstanceSteps.HeaderRoute(r.routeHeader(), r.routeValue(), switchovers.variantInstances(r.id())));
        if (g.kind() == ReleaseGroup.Kind.WORKLOAD) {
            // A pod takes the image; the package is for a VM's install hook.
            return new InstanceSteps.Plan(r.id(), g.provider(), g.region(), traffic, v.image(), Optional.empty(), Optional.empty(),
                    progress.targets(r.id()), route, true, r.ignitionTimeout().orElse(config.ignitionTimeout()));
        }
        return new InstanceSteps.Plan(r.id(), g.provider(), g.region(), traffic, v.artifact(), Optional.ofNullable(v.packageUrl()),
                Optional.ofNullable(v.sha256()), progress.targets(r.id()), route, false, r.ignitionTimeout().orElse(config.ignitionTimeout()));
    }

    /** A release's own ignition timeout: an ISO-8601 duration of whole seconds, 1 s to 1 h; null: the service's. */
    private static Optional<Duration> ignitionTimeout(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Duration timeout;
        try {
            timeout = Duration.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw ProblemException.invalid("ignitionTimeout", "'" + text + "' is not an ISO-8601 duration such as PT30S");
        }
        if (timeout.getNano() != 0 || timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofHours(1)) > 0) {
            throw ProblemException.invalid("ignitionTimeout", text + " is not whole seconds between PT1S and PT1H");
        }
        return Optional.of(timeout);
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
        return strategy;
    }

    private static BigDecimal ratio(double value) {
        return BigDecimal.valueOf(value).setScale(4, RoundingMode.HALF_EVEN);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
