package io.skydeck.release;

import io.skydeck.compute.Server;
import io.skydeck.compute.ServerRepository;
import io.skydeck.compute.ServerStatus;
import io.skydeck.compute.Workload;
import io.skydeck.compute.WorkloadRepository;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.release.ReleaseViews.CreateRelease;
import io.skydeck.release.rollout.ActionRefused;
import io.skydeck.release.rollout.InvalidRollout;
import io.skydeck.release.switchover.Exposure;
import io.skydeck.release.switchover.Switchover;
import io.skydeck.release.switchover.SwitchoverPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The service's side of BLUE_GREEN, DARK and AB_TEST (the library's {@link Switchover} decides):
 * checks a request's standby group and header route against the live group and its provider,
 * plans the switchover, and applies a person's action to it. Everything a switchover does to
 * traffic goes through the provider's {@link TrafficControl} (pull in, pull out, route by header)
 * and every install through its Deployments, so it works on any provider that has them; a
 * provider or target that lacks what the strategy needs is refused up front with a 422 naming it,
 * never found out half-way through a release.
 *
 * <p>The standby of a group of servers is a group of servers; the standby of a Kubernetes workload
 * group is another workload group behind the same Service, whose pods were read from the cluster
 * before the transaction like the live group's ({@link ReleaseService#workloadPods}). The Service
 * moves from one workload to the other when the first standby pod is pulled in (the connector's
 * WorkloadSwitch), so the switch, the dark deployment and the header route work on pods as on servers.
 */
@ApplicationScoped
public class SwitchoverReleases {

    /** A header name as HTTP allows it (RFC 9110 token). */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,200}");

    /** A planned two-group release: the switchover, its standby group and that group's instances (servers or pods), in order. */
    record Planned(Switchover flow, ReleaseGroup standby, List<ReleaseProgress.NewInstance> standbyMembers, String routeHeader,
                   String routeValue) {
    }

    @Inject
    ReleaseGroupRepository groups;

    @Inject
    ApplicationService applications;

    @Inject
    ServerRepository servers;

    @Inject
    EntityManager em;

    @Inject
    WorkloadRepository workloads;

    @Transactional(Transactional.TxType.MANDATORY)
    Planned plan(Strategy strategy, ReleaseGroup live, List<ReleaseProgress.NewInstance> liveMembers, CloudProvider provider,
                 CreateRelease request, Optional<ReleaseService.WorkloadPods> pods) {
        refuseTarsSettings(strategy, request);
        if (request.standbyGroupId() == null) {
            throw ProblemException.invalid("standbyGroupId", "is required: a " + strategy + " release installs onto a standby group "
                    + "beside the live group " + live.name());
        }
        if (request.standbyGroupId().equals(live.id())) {
            throw ProblemException.invalid("standbyGroupId", "is the live group itself; name another group of the application");
        }
        ReleaseGroup standby = groups.findByIdOptional(request.standbyGroupId(), LockModeType.PESSIMISTIC_WRITE)
                .filter(g -> g.tenantId().equals(live.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("release group", request.standbyGroupId()));
        if (!standby.applicationId().equals(live.applicationId())) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + " is of another application than " + live.name());
        }
        if (standby.kind() != live.kind()) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + (standby.kind() == ReleaseGroup.Kind.WORKLOAD
                    ? " is a Kubernetes workload; the standby of a group of servers is a group of servers"
                    : " is a group of servers; the standby of a Kubernetes workload group is another workload group"));
        }
        if (!standby.provider().equals(live.provider()) || !standby.region().equals(live.region())) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + " is on " + standby.provider() + "/" + standby.region()
                    + ", the live group on " + live.provider() + "/" + live.region() + "; traffic moves only within one target");
        }
        Optional<TrafficControl> traffic = provider.capability(TrafficControl.class);
        if (traffic.isEmpty() || live.trafficTarget() == null) {
            throw cannot("groupId", traffic.isEmpty()
                    ? "provider " + provider.name() + " has no traffic control; a " + strategy + " release moves traffic between groups"
                    : "group " + live.name() + " has no traffic target; a " + strategy + " release moves traffic between groups");
        }
        if ((standby.trafficTarget() != null || standby.kind() == ReleaseGroup.Kind.WORKLOAD)
                && !live.trafficTarget().equals(standby.trafficTarget())) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + " is behind traffic target " + standby.trafficTarget()
                    + ", the live group behind " + live.trafficTarget() + "; both must be behind the same one");
        }
        String header = null;
        String value = null;
        if (strategy == Strategy.AB_TEST) {
            header = headerName(request.routeHeader());
            value = headerValue(request.routeValue());
            if (!traffic.get().routesByHeader()) {
                throw cannot("groupId", "traffic target " + live.trafficTarget() + " of provider " + provider.name()
                        + " cannot route by header or cookie, which an AB_TEST release needs");
            }
        } else if (request.routeHeader() != null || request.routeValue() != null) {
            throw ProblemException.invalid(request.routeHeader() != null ? "routeHeader" : "routeValue",
                    "only an AB_TEST release routes by header; this one is " + strategy);
        }
        List<ReleaseProgress.NewInstance> standbyMembers = standby.kind() == ReleaseGroup.Kind.WORKLOAD
                ? standbyPods(live, standby, pods) : standbyServers(standby);
        int parallelism = Optional.ofNullable(request.parallelism()).orElse(Math.max(1, standbyMembers.size()));
        double brakeRatio = Optional.ofNullable(request.brakeRatio()).orElse(0.2);
        try {
            Switchover flow = Switchover.plan(ids(liveMembers), ids(standbyMembers),
                    new SwitchoverPolicy(exposure(strategy), parallelism, brakeRatio));
            return new Planned(flow, standby, standbyMembers, header, value);
        } catch (InvalidRollout e) {
            throw ProblemException.invalid(e.field(), e.getMessage().substring(e.field().length() + 2));
        }
    }

    /** A person's action on a switchover; {@link ActionRefused} where it does not apply (a 409 with its reason). */
    static void act(Switchover flow, ReleaseService.Action action, Strategy strategy) {
        switch (action) {
            case APPROVE -> flow.approve();
            case PROMOTE -> flow.promote();
            case PAUSE -> flow.pause();
            case RESUME -> flow.resume();
            case CONTINUE -> flow.continueAfterBrake();
            case ROLLBACK -> flow.rollback();
            case ABORT -> flow.abort();
            case PULL_IN_BASTION -> throw new ActionRefused(flow.state(), "a " + strategy + " release has no bastion: its standby group "
                    + "is checked out of traffic as a whole");
        }
    }

    /** The provider ids of an AB_TEST release's standby instances: the variant its header route names. */
    @Transactional(Transactional.TxType.MANDATORY)
    Set<String> variantInstances(UUID releaseId) {
        @SuppressWarnings("unchecked")
        List<String> ids = em.createNativeQuery("SELECT provider_instance_id FROM release_instance WHERE release_id = ?1 AND batch = 1")
                .setParameter(1, releaseId).getResultList();
        return new HashSet<>(ids);
    }

    static Exposure exposure(Strategy strategy) {
        return switch (strategy) {
            case BLUE_GREEN -> Exposure.SWITCH;
            case DARK -> Exposure.DARK;
            case AB_TEST -> Exposure.HEADER;
            default -> throw new IllegalArgumentException(strategy + " is not a two-group strategy");
        };
    }

    /** Batches, the bastion and the online minimum are of the Tars flow; silently ignoring them would mislead. */
    private static void refuseTarsSettings(Strategy strategy, CreateRelease request) {
        Map<String, Object> tars = new java.util.LinkedHashMap<>();
        tars.put("batchSize", request.batchSize());
        tars.put("batchPercent", request.batchPercent());
        tars.put("onlineMinimum", request.onlineMinimum());
        tars.put("bastion", request.bastion());
        tars.forEach((field, value) -> {
            if (value != null) {
                throw ProblemException.invalid(field, "does not apply to a " + strategy + " release (it takes parallelism and brakeRatio)");
            }
        });
    }

    private static String headerName(String header) {
        if (header == null || header.isBlank()) {
            throw ProblemException.invalid("routeHeader", "is required: the header (or Cookie) whose requests go to the standby group");
        }
        if (!HEADER_NAME.matcher(header).matches()) {
            throw ProblemException.invalid("routeHeader", "'" + header + "' is not an HTTP header name");
        }
        return header;
    }

    private static String headerValue(String value) {
        if (value == null || value.isEmpty()) {
            throw ProblemException.invalid("routeValue", "is required: the header's value that selects the standby group");
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ProblemException.invalid("routeValue", "holds a control character");
        }
        return value;
    }

    private static ProblemException cannot(String field, String detail) {
        return new ProblemException(ProblemType.TARGET_CANNOT, detail, List.of(new Problem.FieldError(field, detail)), Map.of());
    }

    private static List<String> ids(List<ReleaseProgress.NewInstance> members) {
        return members.stream().map(ReleaseProgress.NewInstance::instance).toList();
    }

    /** The standby group's servers, each ACTIVE or STOPPED; a rollback of one puts back the group's version, or its own image. */
    private List<ReleaseProgress.NewInstance> standbyServers(ReleaseGroup standby) {
        Optional<ApplicationVersion> previous = Optional.ofNullable(standby.currentVersionId()).flatMap(applications::version);
        List<ReleaseProgress.NewInstance> members = new ArrayList<>();
        for (UUID id : applications.serverIds(standby.id())) {
            Server s = servers.findById(id);
            if (s.status() != ServerStatus.ACTIVE && s.status() != ServerStatus.STOPPED) {
                throw ProblemException.invalid("standbyGroupId", "server " + s.name() + " (" + s.id() + ") of group " + standby.name()
                        + " is " + s.status() + "; take it out of the group or wait until it is ACTIVE");
            }
            members.add(new ReleaseProgress.NewInstance(s.id().toString(), s.id(), s.providerServerId(),
                    previous.map(ApplicationVersion::artifact).orElse(s.image())));
        }
        return members;
    }

    /**
     * The standby workload's pods, read from the cluster before the transaction. Both workloads are
     * in one namespace behind one Service: the Service moves from the live workload's pods to the
     * standby's at the switch (the Kubernetes connector's WorkloadSwitch), so the standby group names
     * the same traffic target, and its workload must be running.
     */
    private List<ReleaseProgress.NewInstance> standbyPods(ReleaseGroup live, ReleaseGroup standby,
                                                          Optional<ReleaseService.WorkloadPods> pods) {
        if (standby.workloadId().equals(live.workloadId())) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + " is of the same workload as " + live.name()
                    + "; a standby group is another workload");
        }
        workloads.findByIdOptional(standby.workloadId())
                .filter(w -> (w.status() == Workload.Status.RUNNING || w.status() == Workload.Status.SCALING) && w.providerWorkloadId() != null)
                .orElseThrow(() -> ProblemException.invalid("standbyGroupId", "the workload of group " + standby.name() + " is not running"));
        if (pods.isEmpty() || pods.get().standbyGroupId().filter(standby.id()::equals).isEmpty()) {
            throw ProblemException.invalid("standbyGroupId", "group " + standby.name() + " is a workload; its release is started through "
                    + "POST /v1/releases, which reads its pods from the cluster first");
        }
        if (pods.get().standbyPods().isEmpty()) {
            throw ProblemException.invalid("standbyGroupId", "the workload of group " + standby.name() + " has no pods to release onto");
        }
        return pods.get().standbyPods().stream().map(p -> new ReleaseProgress.NewInstance(p.id(), null, p.id(), p.image())).toList();
    }
}
