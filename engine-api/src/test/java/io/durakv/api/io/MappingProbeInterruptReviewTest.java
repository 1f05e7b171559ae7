package io.durakv.api.io;

import io.durakv.api.testkit.ChildJava;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Review of the mapping probe: it runs once per JVM, on the first thread that asks (the first log opened in BATCH or
 * NONE mode). A pending interrupt on that thread must neither cut the probe short (which would turn mapped writes off
 * for the life of the JVM) nor be lost. Runs in a child JVM of version 18 or later, where the probe has not run yet.
 */
class MappingProbeInterruptReviewTest {

    /** The child: asks with its interrupt flag set and prints the answer and whether the flag is still set. */
    public static final class Child {
        public static void main(String[] args) {
            if (args.length > 0 && args[0].equals("interrupted")) {
                Thread.currentThread().interrupt();
            }
            boolean maps = LocalDisk.mapsFiles();
            System.out.println("maps=" + maps + " interrupted=" + Thread.currentThread().isInterrupted());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anInterruptedFirstCallerStillGetsTheProbesAnswerAndKeepsItsFlag() throws IOException, InterruptedException {
        Path java = ChildJava.mapping();
        assumeTrue(java != null, "no Java 18+ found to run the child on");
        String plain = child(java, "plain");
        String interrupted = child(java, "interrupted");
        assertThat(plain).contains("interrupted=false");
        boolean maps = plain.contains("maps=true");
        assertThat(interrupted).as("the same answer as without the interrupt, and the flag kept")
                .contains("maps=" + maps + " interrupted=true");
    }

    private static String child(Path java, String arg) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), arg).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
