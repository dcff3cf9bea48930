package io.skydeck.release.train;

import java.time.Instant;

/** An app's seat: the departure it leaves with, whether it is an express, and how often it was rebooked after missing one. */
public record Booking(String app, Instant departure, boolean express, int rebooked) {
}
