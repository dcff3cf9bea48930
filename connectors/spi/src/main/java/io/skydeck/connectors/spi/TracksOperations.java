package io.skydeck.connectors.spi;

/** Shared by every capability whose calls return an {@link OperationHandle}. */
public interface TracksOperations {

    /**
     * Where the operation stands now. Polling is read-only and may be repeated at will.
     *
     * @throws ResourceNotFound if this provider never issued the handle
     */
    OperationStatus poll(OperationHandle handle);
}
