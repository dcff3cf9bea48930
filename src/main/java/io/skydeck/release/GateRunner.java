package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.release.analysis.Analysis;
import io.skydeck.release.analysis.CheckResult;
import io.skydeck.release.analysis.Verdict;
import io.skydeck.release.canary.Canary;
import io.skydeck.release.canary.CanaryAction;
import io.skydeck.release.canary.CanaryState;
import io.skydeck.release.canary.CanaryStep;
import io.skydeck.release.rollout.Change;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.ReleaseFlow;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutSnapshot;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The driver's side of a release's gate: while the rollout {@code HOLDING}s after a batch, a
 * {@link Canary} machine walks the gate's steps — set the weight on the traffic target (a canary
 * by weight), wait out the pause, analyse — and its end tells the rollout: promoted, the gate
 * passed; rolled back (a failed analysis, the weight back at 0), the gate failed and the release
 * rolls back by itself; paused (inconclusive) or held (an indefinite pause), a person decides —
 * the rollout pauses, and when a person resumes it holds again and the machine goes on from where
 * it stood. A ROLLING release with an analysis holds after every batch for a one-step gate of
 * analysis alone.
 *
 * <p>Provider calls and measurements run here, on the driver's thread, outside any transaction.
 * What they gave is written in one transaction with the rollout's snapshot, fenced by the lease
 * ({@link ReleaseProgress#write}), the gate's state ({@link GateState}) and the analysis runs with
 * it. A driver that dies in between leaves the stored gate where it was: its successor sets the
 * same weight again (idempotent) or measures again; a pause's end is stored as an instant, so it
 * runs on across a takeover.
 */
final class GateRunner {

    private static final Logger LOG = Logger.getLogger(GateRunner.class);
    private static final Duration RETRY_PROVIDER = Duration.ofSeconds(1);

    /** What a turn came to. */
    sealed interface Turn {
        record Wrote(long version) implements Turn {
        }

        /** Nothing to record until {@code until} (a pause; a provider to ask again). */
        record Waiting(Instant until) implements Turn {
        }

        record Stale() implements Turn {
        }

        record LeaseLost() implements Turn {
        }
    }

    private final UUID releaseId;
    private final long token;
    private final String actor;
    private final ReleaseDrivers drivers;
    private final InstanceSteps.Plan plan;
    private final ReleaseGates.Stored specs;
    private boolean weightTakenBack;
    private boolean splitEnded;

    GateRunner(UUID releaseId, String replica, long token, ReleaseDrivers drivers, InstanceSteps.Plan plan) {
        this.releaseId = releaseId;
        this.token = token;
        this.actor = "driver " + replica;
        this.drivers = drivers;
        this.plan = plan;
        this.specs = QuarkusTransaction.requiringNew().call(() -> drivers.gates.load(releaseId));
    }

    private boolean weighted() {
        return specs.canary().map(c -> c.mode() == CanarySpec.Mode.WEIGHT).orElse(false);
    }

    /**
     * A canary by weight keeps the canary instances at 0 % until its first step: they come into
     * traffic only as the steps give them some. Idempotent; done again by every driver until the
     * first gate is stored.
     */
    void prepare(ReleaseFlow flow) {
        if (!(flow instanceof Rollout rollout)) {
            return; // a two-group release has no gates
        }
        if (weighted() && specs.gate().isEmpty() && rollout.state() == ReleaseState.ROLLING) {
            try {
                weigh(canaryInstances(rollout, 0), 0);
            } catch (ProviderException | UnsupportedOperationException e) {
                LOG.warnf("release %s: could not set the canary's weight to 0 before its instances start: %s", releaseId, e.getMessage());
            }
        }
    }

    /** Whether the gate has work: the rollout holds, or a rolled-back canary still has traffic weighted to it. */
    boolean due(ReleaseFlow flow) {
        if (!(flow instanceof Rollout rollout)) {
            return false;
        }
        if (rollout.heldAfter().isPresent()) {
            return true;
        }
        boolean rolledBack = rollout.state() == ReleaseState.ROLLED_BACK;
        if (weighted() && !splitEnded && (rolledBack || rollout.state() == ReleaseState.ROLLING_BACK)) {
            if (weightTakenBack && !rolledBack) {
                return false; // the canary instances still run the new version: they stay at 0 % until they are restored
            }
            Optional<GateState> gate = QuarkusTransaction.requiringNew().call(() -> drivers.gates.load(releaseId)).gate();
            if (gate.isEmpty()) {
                // Rolled back before its first step was stored: prepare() had set the canary to 0 %; end that split once restored.
                weightTakenBack = true;
                return rolledBack;
            }
            if (gate.get().batch() != 0 || gate.get().splitEnded()) {
                splitEnded = true; // a split already ended, or one the canary's promotion ended
                return false;
            }
            weightTakenBack = gate.get().weight() == 0;
            return rolledBack || !weightTakenBack;
        }
        return false;
    }

    Turn turn(ReleaseFlow flow, long version) {
        Rollout rollout = (Rollout) flow; // due() said so
        Optional<GateState> stored = QuarkusTransaction.requiringNew().call(() -> drivers.gates.load(releaseId)).gate();
        List<Change> changes = new ArrayList<>();
        Instant now = drivers.clock.instant();
        if (rollout.heldAfter().isEmpty()) {
            return takeWeightBack(rollout, version, stored.orElseGet(() -> new GateState(0, CanaryState.ROLLED_BACK.name(), 0, null,
                    "rolled back before the canary's first step", 0, false)), now);
        }
        int batch = rollout.heldAfter().getAsInt();
        List<CanaryStep> steps = steps(batch, rollout);
        boolean fresh = stored.isEmpty() || stored.get().batch() != batch;
        Canary canary = fresh ? Canary.start(steps) : Canary.restore(steps, CanaryState.valueOf(stored.get().canaryState()),
                stored.get().step(), Optional.ofNullable(stored.get().waitUntil()).map(Instant::parse).orElse(null), stored.get().reason());
        int weight = stored.map(GateState::weight).orElse(0);
        boolean changed = fresh;
        List<ReleaseGates.Run> runs = new ArrayList<>();
        if (canary.state() == CanaryState.PAUSED || canary.state() == CanaryState.HELD) {
            // It handed the release to a person, and the release holds again: a person resumed it.
            changes.add(gateEvent("GATE_RESUMED", "batch " + batch + ": a person resumed " + (canary.state() == CanaryState.HELD
                    ? "the held step" : "after the inconclusive analysis")));
            canary.proceed();
            changed = true;
        }
        for (int guard = 0; guard < 4 * steps.size() + 8; guard++) {
            CanaryAction action = canary.next(now);
            if (action instanceof CanaryAction.SetWeight w) {
                if (weighted()) {
                    Set<String> targets = batch == 0 ? canaryInstances(rollout, 0) : allInstances(rollout);
                    try {
                        weigh(targets, w.percent());
                    } catch (ProviderException | UnsupportedOperationException e) {
                        LOG.warnf("release %s: setting the canary's weight to %d %% failed (%s); trying again", releaseId, w.percent(),
                                e.getMessage());
                        return new Turn.Waiting(now.plus(RETRY_PROVIDER));
                    }
                    weight = w.percent();
                    changes.add(gateEvent("CANARY_WEIGHT", w.percent() + " % of the traffic to " + targets.size()
                            + (batch == 0 ? " canary instance(s)" : " instances, all on the new version")));
                }
                canary.weightSet(w.percent(), now);
                changed = true;
            } else if (action instanceof CanaryAction.WaitUntil w) {
                if (!changed) {
                    return new Turn.Waiting(w.until());
                }
                return write(rollout, version, gate(batch, canary, weight), changes, runs, now);
            } else if (action instanceof CanaryAction.Analyse a) {
                AnalysisSpec spec = specs.analysis().orElseThrow(() -> new IllegalStateException("a gate analyses without an analysis"));
                List<String> serving = serving(rollout);
                Analysis.Result result = drivers.sources.judge(spec, plan.provider(), serving);
                runs.add(new ReleaseGates.Run(batch, a.step(), spec.source(), result, serving.size()));
                changes.add(gateEvent("ANALYSIS_" + result.verdict(), "batch " + batch + ", step " + (a.step() + 1) + ": "
                        + ReleaseGates.summary(result)));
                canary.analysed(a.step(), result.verdict(), notPassed(result));
                changed = true;
            } else if (action instanceof CanaryAction.AwaitPerson p) {
                rollout.gateUndecided(batch, "batch " + batch + ": " + p.why() + "; resume to go on, or roll back");
                return write(rollout, version, gate(batch, canary, weight), changes, runs, now);
            } else if (action instanceof CanaryAction.Done d) {
                if (d.state() == CanaryState.PROMOTED) {
                    rollout.gatePassed(batch, "batch " + batch + ": the gate passed");
                } else {
                    rollout.gateFailed(batch, "batch " + batch + ": " + canary.reason() + "; rolled back without a person");
                }
                return write(rollout, version, gate(batch, canary, weight), changes, runs, now);
            }
            now = drivers.clock.instant();
        }
        throw new IllegalStateException("release " + releaseId + ": the gate after batch " + batch + " did not settle");
    }

    /**
     * A canary by weight is rolling back: while its instances still run the new version their
     * traffic goes to 0; once the rollback has restored them, the split ends and they take their
     * share of the traffic again (left at 0 they would be idle capacity until another release).
     */
    private Turn takeWeightBack(Rollout rollout, long version, GateState gate, Instant now) {
        boolean end = rollout.state() == ReleaseState.ROLLED_BACK;
        try {
            weigh(end ? Set.of() : canaryInstances(rollout, 0), 0);
        } catch (ProviderException | UnsupportedOperationException e) {
            LOG.warnf("release %s: %s failed (%s); trying again", releaseId, end ? "ending the canary's split" : "taking the canary's weight back",
                    e.getMessage());
            return new Turn.Waiting(now.plus(RETRY_PROVIDER));
        }
        GateState back = new GateState(gate.batch(), gate.canaryState(), gate.step(), gate.waitUntil(), gate.reason(), 0, end);
        List<Change> changes = List.of(new Change(null, rollout.state().name(), "CANARY_WEIGHT", end
                ? "the split ends: the restored canary instance(s) take their share of the traffic again"
                : "0 % of the traffic to the canary instance(s): the release rolls back"));
        Turn turn = write(rollout, version, back, changes, List.of(), now);
        if (turn instanceof Turn.Wrote) {
            weightTakenBack = true;
            splitEnded = end;
        }
        return turn;
    }

    private Turn write(Rollout rollout, long version, GateState gate, List<Change> gateChanges, List<ReleaseGates.Run> runs,
                       Instant now) {
        List<Change> changes = new ArrayList<>(gateChanges);
        changes.addAll(rollout.drainChanges());
        Set<String> touched = new LinkedHashSet<>();
        changes.stream().map(Change::instance).filter(i -> i != null).forEach(touched::add);
        ReleaseProgress.Written written = QuarkusTransaction.requiringNew().call(() -> {
            ReleaseProgress.Written w = drivers.progress.write(releaseId, Optional.of(token), version, rollout, changes, touched, actor);
            if (w.outcome() == ReleaseProgress.Outcome.WRITTEN) {
                drivers.gates.save(releaseId, gate, runs, actor, now);
            }
            return w;
        });
        return switch (written.outcome()) {
            case WRITTEN -> new Turn.Wrote(written.version());
            case STALE -> new Turn.Stale();
            case LEASE_LOST -> new Turn.LeaseLost();
        };
    }

    private List<CanaryStep> steps(int batch, Rollout rollout) {
        int size = rollout.batches().size();
        if (specs.canary().isPresent()) {
            return specs.canary().get().gateSteps(batch, size);
        }
        // A ROLLING release with an analysis: judge what runs the new version after each batch, at once.
        long upTo = rollout.batches().stream().filter(b -> b <= batch).count();
        int share = (int) Math.max(1, Math.min(100, Math.ceil(upTo * 100.0 / size)));
        return List.of(new CanaryStep(share, Duration.ZERO, true));
    }

    private static GateState gate(int batch, Canary canary, int weight) {
        return new GateState(batch, canary.state().name(), canary.step(), canary.waitUntil() == null ? null : canary.waitUntil().toString(),
                canary.reason(), weight, false);
    }

    private static Change gateEvent(String what, String why) {
        return new Change(null, ReleaseState.HOLDING.name(), what, why);
    }

    /** The checks that did not pass, for the canary's reason (which a person reads on the release). */
    private static String notPassed(Analysis.Result result) {
        List<String> parts = new ArrayList<>();
        for (CheckResult c : result.checks()) {
            if (c.verdict() != Verdict.SUCCESSFUL) {
                parts.add(c.check().name() + ": " + c.why());
            }
        }
        return parts.isEmpty() ? "every check passed" : String.join("; ", parts);
    }

    /** The provider ids of the instances that run the new version in traffic. */
    private List<String> serving(Rollout rollout) {
        return rollout.instancesIn(InstanceState.DONE).stream().map(i -> plan.targets().get(i).providerInstanceId()).toList();
    }

    private Set<String> canaryInstances(Rollout rollout, int batch) {
        Set<String> ids = new LinkedHashSet<>();
        for (RolloutSnapshot.Instance i : rollout.snapshot().instances()) {
            if (i.batch() == batch) {
                ids.add(plan.targets().get(i.id()).providerInstanceId());
            }
        }
        return ids;
    }

    private Set<String> allInstances(Rollout rollout) {
        Set<String> ids = new LinkedHashSet<>();
        for (RolloutSnapshot.Instance i : rollout.snapshot().instances()) {
            ids.add(plan.targets().get(i.id()).providerInstanceId());
        }
        return ids;
    }

    private void weigh(Set<String> instances, int percent) {
        TrafficControl traffic = drivers.providers.get(plan.provider()).require(TrafficControl.class);
        traffic.weigh(plan.traffic().orElseThrow(() -> new UnsupportedOperationException("the release has no traffic target")),
                instances, percent);
    }
}
