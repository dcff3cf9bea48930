package io.skydeck.platform.web;

import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;

/**
 * Entity tags are the row version, as Kubernetes' resourceVersion: an update that sends
 * {@code If-Match} with an older version gets 412 instead of overwriting a change it never saw.
 */
public final class ETags {

    private ETags() {
    }

    public static String of(long version) {
        return "\"" + version + "\"";
    }

    public static void requireMatch(String ifMatch, long currentVersion) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return;
        }
        for (String candidate : ifMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.equals("*") || tag.replaceFirst("^W/", "").equals(of(currentVersion))) {
                return;
            }
        }
        throw new ProblemException(ProblemType.PRECONDITION_FAILED,
                "If-Match " + ifMatch + " does not match the current version " + of(currentVersion));
    }
}
