package io.biomatch.dna.kinship;

import io.biomatch.core.spi.Modality;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pedigree: persons with father, mother and sex, validated and indexed.
 *
 * <p>Rules: ids are unique; a parent id is "0" (unknown: founder) or the id of a person of the same pedigree; a
 * person has both parents or none; a father is not female and a mother is not male (sex 1 = male, 2 = female,
 * 0 = unknown); the parent graph has no cycle (nobody is their own ancestor). Marriage and inbreeding loops
 * (a child of related parents) are allowed: the likelihood is computed by variable elimination, which is exact on
 * any pedigree graph.
 */
public final class Pedigree {
    public static final int MALE = 1;
    public static final int FEMALE = 2;

    /** One person of the input. */
    public record Person(String id, String fid, String mid, int sex) {
        public boolean founder() {
            return "0".equals(fid) && "0".equals(mid);
        }
    }

    private final List<String> ids;
    private final int[] father;
    private final int[] mother;
    private final int[] sex;
    private final Map<String, Integer> index;
    private final int[] topo;

    public Pedigree(List<Person> persons) {
        if (persons == null || persons.isEmpty()) {
            throw Modality.invalid("a pedigree needs at least one person");
        }
        int n = persons.size();
        ids = new ArrayList<>(n);
        index = new HashMap<>();
        father = new int[n];
        mother = new int[n];
        sex = new int[n];
        for (int i = 0; i < n; i++) {
            Person p = persons.get(i);
            if (p.id() == null || p.id().isBlank() || p.id().equals("0")) {
                throw Modality.invalid("a person has an empty id or the id \"0\" (which means 'unknown parent')");
            }
            if (index.put(p.id(), i) != null) {
                throw Modality.invalid("person id '" + MutationModel.clip(p.id()) + "' appears twice in a pedigree");
            }
            if (p.sex() < 0 || p.sex() > 2) {
                throw Modality.invalid("sex of '" + MutationModel.clip(p.id()) + "' must be 1 (male), 2 (female) or 0");
            }
            ids.add(p.id());
            sex[i] = p.sex();
        }
        for (int i = 0; i < n; i++) {
            Person p = persons.get(i);
            String fid = p.fid() == null ? "0" : p.fid();
            String mid = p.mid() == null ? "0" : p.mid();
            boolean noF = fid.equals("0") || fid.isBlank();
            boolean noM = mid.equals("0") || mid.isBlank();
            if (noF != noM) {
                throw Modality.invalid("'" + MutationModel.clip(p.id())
                        + "' has only one parent given: give both parents or none (founder)");
            }
            father[i] = noF ? -1 : parent(fid, p.id());
            mother[i] = noM ? -1 : parent(mid, p.id());
            if (father[i] >= 0) {
                if (father[i] == mother[i]) {
                    throw Modality.invalid("'" + MutationModel.clip(p.id()) + "' has the same person as father and mother");
                }
                if (sex[father[i]] == FEMALE) {
                    throw Modality.invalid("the father of '" + MutationModel.clip(p.id()) + "' ('"
                            + MutationModel.clip(fid) + "') is female");
                }
                if (sex[mother[i]] == MALE) {
                    throw Modality.invalid("the mother of '" + MutationModel.clip(p.id()) + "' ('"
                            + MutationModel.clip(mid) + "') is male");
                }
            }
        }
        topo = topologicalOrder();
    }

    private int parent(String pid, String child) {
        Integer j = index.get(pid);
        if (j == null) {
            throw Modality.invalid("unknown parent id '" + MutationModel.clip(pid) + "' of '"
                    + MutationModel.clip(child) + "'");
        }
        return j;
    }

    private int[] topologicalOrder() {
        int n = size();
        int[] state = new int[n];
        int[] out = new int[n];
        int[] pos = {0};
        for (int i = 0; i < n; i++) {
            visit(i, state, out, pos);
        }
        return out;
    }

    private void visit(int i, int[] state, int[] out, int[] pos) {
        // iterative enough for real pedigrees: depth is the number of generations
        if (state[i] == 2) {
            return;
        }
        if (state[i] == 1) {
            throw Modality.invalid("the pedigree has a cycle: '" + MutationModel.clip(ids.get(i))
                    + "' is their own ancestor");
        }
        state[i] = 1;
        if (father[i] >= 0) {
            visit(father[i], state, out, pos);
            visit(mother[i], state, out, pos);
        }
        state[i] = 2;
        out[pos[0]++] = i;
    }

    public int size() {
        return ids.size();
    }

    public String id(int i) {
        return ids.get(i);
    }

    public int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    public int father(int i) {
        return father[i];
    }

    public int mother(int i) {
        return mother[i];
    }

    public int sex(int i) {
        return sex[i];
    }

    public boolean founder(int i) {
        return father[i] < 0;
    }

    public List<String> ids() {
        return List.copyOf(ids);
    }

    /** Persons with parents after their parents. */
    int[] topologicalOrder(boolean copy) {
        return copy ? topo.clone() : topo;
    }

    /** True when the parents of {@code i} share an ancestor (or one is an ancestor of the other). */
    public boolean inbred(int i) {
        if (founder(i)) {
            return false;
        }
        BitSet a = ancestors(father[i]);
        BitSet b = ancestors(mother[i]);
        return a.intersects(b);
    }

    /** The person and all their ancestors. */
    BitSet ancestors(int i) {
        BitSet s = new BitSet();
        ArrayList<Integer> stack = new ArrayList<>();
        stack.add(i);
        while (!stack.isEmpty()) {
            int j = stack.removeLast();
            if (s.get(j)) {
                continue;
            }
            s.set(j);
            if (father[j] >= 0) {
                stack.add(father[j]);
                stack.add(mother[j]);
            }
        }
        return s;
    }
}
