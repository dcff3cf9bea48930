package io.skydeck.connectors.spi;

/**
 * A server's state in Skydeck's words. Connectors map their cloud's states onto these (Nova
 * BUILD → BUILDING, SHUTOFF → STOPPED, VERIFY_RESIZE → RESIZING; EC2 pending → BUILDING,
 * stopping/stopped → STOPPED, shutting-down → DELETING) and keep the original in
 * {@link ProviderServer#providerStatus()}. A deleted server is absent, not a status.
 */
public enum ServerStatus {
    BUILDING,
    ACTIVE,
    STOPPED,
    RESIZING,
    DELETING,
    ERROR,
    /** A provider state the connector does not know; never guessed into one of the above. */
    UNKNOWN
}
