package io.skydeck.release.rollout;

/** A person's action that the release's state does not allow (approve while rolling, continue when not braked). */
public final class ActionRefused extends IllegalStateException {

    private final ReleaseState state;

    public ActionRefused(ReleaseState state, String message) {
        super(message);
        this.state = state;
    }

    public ReleaseState state() {
        return state;
    }
}
