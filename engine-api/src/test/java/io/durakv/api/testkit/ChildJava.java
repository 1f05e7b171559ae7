package io.durakv.api.testkit;

import io.durakv.api.io.LocalDisk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which {@code java} runs the child processes of {@link ProcessKillSuite}: one on which {@link LocalDisk} maps files
 * (Java 18 or later: {@link LocalDisk#mapsFiles()}), so that kills in BATCH and NONE land in log writes that are
 * memory copies into a mapping, where one is found; the parent's own {@code java} otherwise. Found in this order: the
 * parent's JVM if it is 18 or later; {@code -Ddurakv.test.mappingJava=<path to bin/java>}; the newest JDK 18+ beside
 * the parent's under its parent directory (e.g. {@code /usr/lib/jvm}).
 *
 * <p>{@link #main} prints {@link LocalDisk#mapsFiles()} of the JVM it runs on, for the suite to check.
 */
public final class ChildJava {

    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    private ChildJava() {
    }

    /** @return the parent's own {@code java} */
    public static Path current() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** @return a {@code java} of version 18 or later, as the class comment says, or null if none is found */
    public static Path mapping() {
        if (Runtime.version().feature() >= 18) {
            return current();
        }
        String configured = System.getProperty("durakv.test.mappingJava");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path jvms = Path.of(System.getProperty("java.home")).toAbsolutePath().getParent();
        if (jvms == null || !Files.isDirectory(jvms)) {
            return null;
        }
        Path best = null;
        int bestVersion = 17;
        List<Path> homes = new ArrayList<>();
        try (Stream<Path> s = Files.list(jvms)) {
            s.forEach(homes::add);
        } catch (IOException e) {
            return null;
        }
        for (Path home : homes) {
            Path release = home.resolve("release");
            Path java = home.resolve("bin").resolve("java");
            if (!Files.isRegularFile(release) || !Files.isExecutable(java)) {
                continue;
            }
            try {
                Matcher m = VERSION.matcher(Files.readString(release, StandardCharsets.UTF_8));
                if (m.find() && Integer.parseInt(m.group(1)) > bestVersion) {
                    bestVersion = Integer.parseInt(m.group(1));
                    best = java;
                }
            } catch (IOException | NumberFormatException e) {
                // not a JDK we can read the version of
            }
        }
        return best;
    }

    /** @return {@link #mapping()} if found, else {@link #current()} */
    public static Path forChildren() {
        Path m = mapping();
        return m != null ? m : current();
    }

    /**
     * Prints {@code mapsFiles=<LocalDisk.mapsFiles()>} of this JVM.
     *
     * @param args none
     */
    public static void main(String[] args) {
        System.out.println("mapsFiles=" + LocalDisk.mapsFiles());
    }
}
