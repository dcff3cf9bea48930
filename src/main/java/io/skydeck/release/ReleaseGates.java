package io.skydeck.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.release.analysis.Analysis;
import io.skydeck.release.analysis.CheckResult;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A release's gates: the analysis and canary a release was created with, where its current gate
 * stands, and every analysis run. Planning checks the request (400 naming the field; 422 naming
 * the traffic target that cannot weigh traffic) and says which batches the rollout has and which
 * it holds after. The driver side of a gate is {@link GateRunner}; this class only stores and reads.
 */
@ApplicationScoped
public class ReleaseGates {

    /** What a release's gates make of its rollout. Empty batch sizes: the policy's batches. */
    public record Planned(Optional<AnalysisSpec> analysis, Optional<CanarySpec> canary, List<Integer> batchSizes,
                          Set<Integer> canaryHolds) {

        /** The rollout of the group's instances, in the gates' batches and holding where they hold. */
        Rollout rollout(List<String> instances, RolloutPolicy policy) {
            int batches = Rollout.plan(instances, policy, batchSizes, Set.of()).batches().stream()
                    .mapToInt(Integer::intValue).max().orElse(0) + 1;
            return Rollout.plan(instances, policy, batchSizes, holdAfter(batches));
        }

        /** The batches held after: the canary's, or with an analysis alone every batch of {@code batches}. */
        Set<Integer> holdAfter(int batches) {
            if (canary.isPresent()) {
                return canaryHolds;
            }
            if (analysis.isPresent()) {
                return IntStream.range(0, batches).boxed().collect(Collectors.toSet());
            }
            return Set.of();
        }
    }

    /** One analysis as the driver recorded it, before it is stored. */
    public record Run(int batch, int step, AnalysisSpec.Source source, Analysis.Result result, int instances) {
    }

    /** A release's stored gate specs and state. */
    public record Stored(Optional<AnalysisSpec> analysis, Optional<CanarySpec> canary, Optional<GateState> gate) {
    }

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    ReleaseConfig config;

    /**
     * Checks the release's analysis and canary against its strategy and group.
     *
     * @param trafficNote why the release has no traffic control (null: it has)
     */
    Planned plan(Strategy strategy, ReleaseViews.CreateRelease request, ReleaseGroup group, CloudProvider provider, int groupSize,
                 String trafficNote) {
        Optional<AnalysisSpec> analysis = Optional.ofNullable(request.analysis()).map(a -> AnalysisSpec.of(a,
                provider instanceof SandboxCloud, config.analysis().prometheusUrl().isPresent()));
        if (strategy != Strategy.CANARY) {
            if (request.canary() != null) {
                throw ProblemException.invalid("canary", "only a CANARY release has canary steps; this one is " + strategy);
            }
            return new Planned(analysis, Optional.empty(), List.of(), Set.of());
        }
        if (Boolean.TRUE.equals(request.bastion())) {
            throw ProblemException.invalid("bastion", "a canary has no bastion: its first step is the canary");
        }
        if (request.batchSize() != null || request.batchPercent() != null) {
            throw ProblemException.invalid(request.batchSize() != null ? "batchSize" : "batchPercent",
                    "a canary's steps make its batches; give parallelism alone");
        }
        CanarySpec canary = CanarySpec.of(request.canary(), groupSize, analysis.isPresent());
        if (canary.mode() == CanarySpec.Mode.WEIGHT) {
            String target = group.trafficTarget() == null ? "(none)" : group.trafficTarget();
            boolean weighs = trafficNote == null && provider.capability(TrafficControl.class).map(TrafficControl::weighsTraffic).orElse(false);
            if (!weighs) {
                String detail = "traffic target " + target + " of group " + group.name() + " on provider " + group.provider()
                        + " cannot weigh traffic" + (trafficNote == null ? "" : " (" + trafficNote + ")")
                        + "; give the canary's steps by instances instead";
                // The same problem as an A/B release on a target that cannot route by header (SwitchoverReleases).
                throw new ProblemException(ProblemType.TARGET_CANNOT, detail, List.of(new Problem.FieldError("canary", detail)), Map.of());
            }
        }
        return new Planned(analysis, Optional.of(canary), canary.batchSizes(groupSize), canary.holdAfter());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void store(UUID releaseId, Planned planned) {
        if (planned.analysis().isEmpty() && planned.canary().isEmpty()) {
            return;
        }
        em.createNativeQuery("UPDATE app_release SET analysis = CAST(?1 AS jsonb), canary = CAST(?2 AS jsonb) WHERE id = ?3")
                .setParameter(1, planned.analysis().map(this::write).orElse(null))
                .setParameter(2, planned.canary().map(this::write).orElse(null))
                .setParameter(3, releaseId).executeUpdate();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    Stored load(UUID releaseId) {
        return stored(releaseId);
    }

    private Stored stored(UUID releaseId) {
        Object[] row = (Object[]) em.createNativeQuery("SELECT CAST(analysis AS text), CAST(canary AS text), CAST(gate AS text)"
                + " FROM app_release WHERE id = ?1").setParameter(1, releaseId).getSingleResult();
        return new Stored(Optional.ofNullable((String) row[0]).map(t -> read(t, AnalysisSpec.class)),
                Optional.ofNullable((String) row[1]).map(t -> read(t, CanarySpec.class)),
                Optional.ofNullable((String) row[2]).map(t -> read(t, GateState.class)));
    }

    /**
     * The gate's state and the analyses since the last write; called in the transaction of the
     * driver's fenced {@link ReleaseProgress#write}, after it landed, so it is fenced as well.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void save(UUID releaseId, GateState gate, List<Run> runs, String actor, Instant now) {
        em.createNativeQuery("UPDATE app_release SET gate = CAST(?1 AS jsonb) WHERE id = ?2")
                .setParameter(1, gate == null ? null : write(gate)).setParameter(2, releaseId).executeUpdate();
        for (Run run : runs) {
            List<GateViews.CheckResultView> checks = run.result().checks().stream().map(ReleaseGates::checkView).toList();
            em.createNativeQuery("""
                            INSERT INTO release_analysis_run (release_id, batch, step, verdict, source, summary, checks, instances, actor, measured_at)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, CAST(?7 AS jsonb), ?8, ?9, ?10)""")
                    .setParameter(1, releaseId).setParameter(2, run.batch()).setParameter(3, run.step())
                    .setParameter(4, run.result().verdict().name()).setParameter(5, run.source().name().toLowerCase(Locale.ROOT))
                    .setParameter(6, summary(run.result())).setParameter(7, write(checks)).setParameter(8, run.instances())
                    .setParameter(9, actor).setParameter(10, now).executeUpdate();
        }
    }

    /** One line for events and the run's summary: the verdict and each check that did not pass. */
    static String summary(Analysis.Result result) {
        List<String> parts = result.checks().stream().map(c -> c.check().name() + " " + c.verdict() + ": " + c.why()).toList();
        return result.verdict() + " (" + String.join("; ", parts) + ")";
    }

    private static GateViews.CheckResultView checkView(CheckResult c) {
        return new GateViews.CheckResultView(c.check().name(), AnalysisSpec.name(c.check().metric()), c.check().limit(), c.verdict().name(),
                Double.isNaN(c.value()) ? null : c.value(), c.samples(), c.why());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    Optional<GateViews.AnalysisView> analysisView(UUID releaseId, Stored stored) {
        if (stored.analysis().isEmpty()) {
            return Optional.empty();
        }
        AnalysisSpec spec = stored.analysis().get();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, batch, step, verdict, summary, CAST(checks AS text), instances, actor, measured_at
                  FROM release_analysis_run WHERE release_id = ?1 ORDER BY id""").setParameter(1, releaseId).getResultList();
        List<GateViews.AnalysisRunView> runs = rows.stream().map(r -> new GateViews.AnalysisRunView(((Number) r[0]).longValue(),
                ((Number) r[1]).intValue(), ((Number) r[2]).intValue(), (String) r[3], (String) r[4],
                read((String) r[5], new TypeReference<List<GateViews.CheckResultView>>() { }), ((Number) r[6]).intValue(), (String) r[7],
                instant(r[8]))).toList();
        return Optional.of(new GateViews.AnalysisView(spec.source().name().toLowerCase(Locale.ROOT), spec.window(), spec.checks(),
                runs));
    }

    static Optional<GateViews.CanaryView> canaryView(Stored stored) {
        return stored.canary().map(c -> new GateViews.CanaryView(c.mode().name(), c.canaryInstances(), c.steps(), stored.gate().orElse(null)));
    }

    /** The view's two parts, read together. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Views views(UUID releaseId) {
        Stored stored = stored(releaseId);
        return new Views(analysisView(releaseId, stored).orElse(null), canaryView(stored).orElse(null));
    }

    public record Views(GateViews.AnalysisView analysis, GateViews.CanaryView canary) {
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        return null;
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a release gate's " + value.getClass().getSimpleName() + " is not serialisable", e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored " + type.getSimpleName() + " cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored analysis results cannot be read: " + e.getOriginalMessage(), e);
        }
    }
}
