package io.skydeck.compute;

/** A server's state in Skydeck. BUILDING until the provider says it runs; DELETED and FAILED are final. */
public enum ServerStatus {
    BUILDING, ACTIVE, STOPPED, RESIZING, DELETING, DELETED, FAILED;

    public boolean holdsCapacity() {
        return this != DELETED && this != FAILED;
    }
}
