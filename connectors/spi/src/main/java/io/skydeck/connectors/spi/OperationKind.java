package io.skydeck.connectors.spi;

/** What an accepted operation does to its resource. */
public enum OperationKind {
    CREATE,
    DELETE,
    START,
    STOP,
    RESIZE,
    SCALE,
    UPDATE
}
