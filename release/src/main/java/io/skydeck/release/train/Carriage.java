package io.skydeck.release.train;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The apps of one pool that left together, and how their outcomes are settled. */
public record Carriage(String pool, Instant departure, List<String> apps, Isolation isolation) {

    public Carriage {
        apps = List.copyOf(apps);
    }

    /** What happens to an app once the carriage's releases have ended. */
    public enum Outcome { RELEASED, ROLLED_BACK, ROLLED_BACK_WITH_CARRIAGE }

    /**
     * Each app's outcome from its own release's success: with {@link Isolation#PER_APP} a failure
     * rolls back that app only; with {@link Isolation#ALL_OR_NOTHING} it rolls back every app.
     */
    public Map<String, Outcome> settle(Map<String, Boolean> succeeded) {
        boolean anyFailed = false;
        for (String app : apps) {
            Boolean ok = succeeded.get(app);
            if (ok == null) {
                throw new IllegalArgumentException("no outcome for app " + app + " of the carriage");
            }
            anyFailed |= !ok;
        }
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (String app : apps) {
            boolean ok = succeeded.get(app);
            if (!ok) {
                outcomes.put(app, Outcome.ROLLED_BACK);
            } else if (anyFailed && isolation == Isolation.ALL_OR_NOTHING) {
                outcomes.put(app, Outcome.ROLLED_BACK_WITH_CARRIAGE);
            } else {
                outcomes.put(app, Outcome.RELEASED);
            }
        }
        return outcomes;
    }
}
