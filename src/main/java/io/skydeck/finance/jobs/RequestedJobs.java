package io.skydeck.finance.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;

import java.util.Map;
import java.util.UUID;

/**
 * Long finance work asked for over HTTP, run as a job: the request writes a QUEUED {@code job_run}
 * row and a one-shot Quartz trigger in its own (short) transaction and answers 202 with the run;
 * the client polls {@code GET /v1/jobs/runs/{id}}. As with {@link ImportReconciliations}, the
 * trigger exists exactly when the request committed (the job store is {@code jdbc-cmt}), fires on
 * one replica, is recovered on another if that replica dies, and runs of one kind take turns
 * (concurrent execution is disallowed per job). No HTTP request holds a transaction for the work.
 */
@ApplicationScoped
public class RequestedJobs {

    /** What can be requested; the name is the {@code job_run.job}. */
    public enum Kind {
        RECONCILIATION("reconciliation-requested"),
        INVOICE_RUN("invoice-run");

        public final String job;

        Kind(String job) {
            this.job = job;
        }

        JobKey key() {
            return JobKey.jobKey("finance-" + job, "skydeck-finance");
        }
    }

    static final String RUN_ID = "jobRunId";

    @Inject
    Scheduler quartz;

    @Inject
    JobRuns runs;

    /**
     * Queues the work in the caller's transaction; {@code parameters} (strings) go to the job and are
     * shown on the run until it finishes.
     */
    public JobRuns.JobRun queue(Kind kind, Map<String, String> parameters) {
        JobRuns.JobRun run = runs.queue(kind.job, parameters);
        JobDetail job = JobBuilder.newJob(RunRequested.class).withIdentity(kind.key()).storeDurably().requestRecovery().build();
        JobDataMap data = new JobDataMap();
        data.putAll(parameters);
        data.put(RUN_ID, run.id().toString());
        data.put("kind", kind.name());
        Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity("run-" + run.id(), kind.key().getGroup())
                .forJob(kind.key())
                .usingJobData(data)
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .startNow()
                .build();
        try {
            quartz.addJob(job, true);
            quartz.scheduleJob(trigger);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot queue " + kind.job, e);
        }
        return run;
    }

    /** What the trigger runs; Quarkus creates it as a bean, so it can reach the finance jobs. */
    @Dependent
    @DisallowConcurrentExecution
    public static class RunRequested implements Job {

        @Inject
        FinanceJobs jobs;

        @Override
        public void execute(JobExecutionContext context) {
            JobDataMap data = context.getMergedJobDataMap();
            Map<String, String> parameters = new java.util.HashMap<>();
            for (String key : data.getKeys()) {
                parameters.put(key, data.getString(key));
            }
            jobs.runRequested(Kind.valueOf(data.getString("kind")), UUID.fromString(data.getString(RUN_ID)), context.isRecovering(),
                    parameters);
        }
    }
}
