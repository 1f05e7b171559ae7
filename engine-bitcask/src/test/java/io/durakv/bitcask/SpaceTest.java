package io.durakv.bitcask;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Space} against a plain map of per-file totals: random additions, deaths and removals over more files than its
 * initial capacity (segments and merge generations), the active segment excluded from the sealed sums; the memo a
 * write asks ({@link Space#shouldMergeMemo}) answers as the full sum does after every step.
 */
class SpaceTest {

    @Test
    void sealedSumsMatchAMapOfEveryFileThroughGrowthAndRemovals() {
        Random random = new Random(3);
        Space space = new Space();
        Map<Long, long[]> model = new HashMap<>();
        long active = 0;
        for (int step = 0; step < 20_000; step++) {
            int what = random.nextInt(100);
            if (what < 3) {
                active += 1 + random.nextInt(1000); // a rotation: a new active segment
                add(space, model, active, 1 + random.nextInt(300));
            } else if (what < 4 && !model.isEmpty()) {
                Long victim = model.keySet().stream().filter(k -> k != activeKey(model)).findAny().orElse(null);
                if (victim != null) {
                    space.remove(victim);
                    model.remove(victim);
                }
            } else if (what < 5) {
                add(space, model, Space.mergeFile(1 + random.nextInt(40)), 1 + random.nextInt(300));
            } else if (what < 60 || model.isEmpty()) {
                add(space, model, active == 0 ? (active = 1) : active, 1 + random.nextInt(300));
            } else {
                Long[] files = model.keySet().toArray(new Long[0]);
                long f = files[random.nextInt(files.length)];
                int bytes = 1 + random.nextInt(300);
                space.dead(f, bytes);
                model.get(f)[1] += bytes;
            }
            long total = 0;
            long dead = 0;
            long activeFile = activeKey(model);
            for (Map.Entry<Long, long[]> e : model.entrySet()) {
                if (e.getKey() != activeFile) {
                    total += e.getValue()[0];
                    dead += e.getValue()[1];
                }
            }
            assertThat(space.sealedDead()).as("step %d", step).isEqualTo(dead);
            double ratio = random.nextDouble();
            assertThat(space.shouldMerge(ratio)).as("step %d ratio %s", step, ratio)
                    .isEqualTo(dead > 0 && dead >= ratio * total);
            // The memo a write asks: the same answer after every kind of change, at a fixed ratio and a changed one.
            assertThat(space.shouldMergeMemo(0.3)).as("memo, step %d", step)
                    .isEqualTo(dead > 0 && dead >= 0.3 * total);
            if (step % 7 == 0) {
                assertThat(space.shouldMergeMemo(ratio)).as("memo, step %d ratio %s", step, ratio)
                        .isEqualTo(dead > 0 && dead >= ratio * total);
            }
        }
        assertThat(model.size()).as("files tracked at the end").isGreaterThan(8);
    }

    private void add(Space space, Map<Long, long[]> model, long file, int bytes) {
        space.added(file, bytes);
        maxAdded = Math.max(maxAdded, file);
        model.computeIfAbsent(file, f -> new long[2])[0] += bytes;
    }

    /** The active segment as Space sees it: the largest file key ever added (0 before any). */
    private long maxAdded;

    private long activeKey(Map<Long, long[]> model) {
        return maxAdded;
    }
}
