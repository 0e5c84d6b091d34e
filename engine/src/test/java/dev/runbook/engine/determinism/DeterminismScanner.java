package dev.runbook.engine.determinism;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * A bytecode check for workflow determinism, in the spirit of Temporal's {@code workflowcheck}
 * (which is not on Maven Central).
 *
 * <p>From the root classes (every method of each), it follows calls into "our" classes (internal
 * names starting with a prefix, e.g. {@code dev/runbook/engine/}) transitively, method by method,
 * and stops at library classes. It follows static and virtual calls (the declared method, up the
 * superclass chain, and every override in our subclasses), lambdas and method references, static
 * initializers of classes touched, and, for every class of ours that is instantiated, the methods
 * that override a library method (library code may call them: {@code toString}, {@code compare},
 * JEXL's uberspect...). At each call site it applies {@link ForbiddenCalls}, and with a small data
 * flow (ASM's {@link SourceInterpreter} through locals, fields, casts and our methods' return
 * values) it reports iteration of hash-ordered collections ({@code HashMap}, {@code HashSet},
 * {@code Set.of}/{@code Map.of} with two or more elements, {@code
 * Collectors.toSet/toMap/groupingBy} ...) when the receiver, or a collection passed to a library
 * method that iterates it, or a value turned into text, comes from one of them.
 *
 * <p>Best effort by design: reflection, values that arrive as method parameters, and library code
 * are not followed.
 */
final class DeterminismScanner {
  /** A forbidden call at one place, with the chain of calls that reaches it from a root. */
  record Finding(String method, String call, String reason, List<String> path) {
    /** What an allow-list names: {@code pkg.Class.method -> pkg.Type.call}. */
    String key() {
      return method + " -> " + call;
    }

    String describe() {
      return key() + "\n      " + reason + "\n      reached: " + String.join(" -> ", path);
    }
  }

  record MethodKey(String owner, String name, String desc) {
    String display() {
      return owner.replace('/', '.') + "." + name;
    }
  }

  private static final Set<String> ITERATING =
      Set.of(
          "keySet",
          "values",
          "entrySet",
          "iterator",
          "forEach",
          "spliterator",
          "stream",
          "parallelStream",
          "toArray",
          "sequencedKeySet",
          "sequencedValues",
          "sequencedEntrySet");

  private static final Set<String> HASH_ORDERED =
      Set.of(
          "java/util/HashMap",
          "java/util/HashSet",
          "java/util/Hashtable",
          "java/util/IdentityHashMap",
          "java/util/WeakHashMap",
          "java/util/concurrent/ConcurrentHashMap");

  /** Library methods that take a collection without its order mattering to the result. */
  private static final Set<String> ORDER_BLIND_METHODS =
      Set.of("containsAll", "removeAll", "retainAll", "equals", "requireNonNull");

  /** Library types whose constructors/methods taking a collection keep no order of it. */
  private static final Set<String> ORDER_BLIND_OWNERS =
      Set.of(
          "java/util/HashMap",
          "java/util/HashSet",
          "java/util/TreeMap",
          "java/util/TreeSet",
          "java/util/EnumSet",
          "java/util/EnumMap",
          "java/util/Set",
          "java/util/Map",
          "java/util/Collections",
          "java/util/Objects",
          "java/util/concurrent/ConcurrentHashMap");

  private static final Set<String> COLLECTION_PARAMS =
      Set.of(
          "Ljava/util/Collection;",
          "Ljava/lang/Iterable;",
          "Ljava/util/Map;",
          "Ljava/util/Set;",
          "Ljava/util/SequencedCollection;");

  private final ClassLoader loader;
  private final String ours;
  private final Map<String, Optional<ClassNode>> classes = new HashMap<>();
  private final Map<String, Set<String>> directSubtypes = new HashMap<>();
  private final Map<MethodKey, MethodKey> reachedFrom = new LinkedHashMap<>();
  private final Deque<MethodKey> work = new ArrayDeque<>();
  private final Set<String> instantiated = new LinkedHashSet<>();
  private final Map<String, Set<String>> libraryMethods = new HashMap<>();
  private final Map<MethodKey, Frame<SourceValue>[]> frames = new HashMap<>();
  private final Map<String, Set<String>> fieldOrigins = new HashMap<>();
  private final Map<MethodKey, Set<String>> returnOrigins = new HashMap<>();
  private final Map<String, Finding> findings = new LinkedHashMap<>();

  /**
   * @param ours internal-name prefix of the classes to follow, e.g. {@code dev/runbook/engine/}
   * @param universe our classes (internal names), to find overrides in subclasses
   */
  DeterminismScanner(ClassLoader loader, String ours, Collection<String> universe) {
    this.loader = loader;
    this.ours = ours;
    for (String name : universe) {
      node(name)
          .ifPresent(
              c -> {
                List<String> supers = new ArrayList<>(c.interfaces);
                if (c.superName != null) {
                  supers.add(c.superName);
                }
                for (String s : supers) {
                  directSubtypes.computeIfAbsent(s, k -> new LinkedHashSet<>()).add(name);
                }
              });
    }
  }

  /** Internal names of the classes in {@code dir} under {@code packagePath}, sorted. */
  static List<String> classesUnder(Path dir, String packagePath, boolean recursive) {
    Path start = dir.resolve(packagePath);
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    try (Stream<Path> files = recursive ? Files.walk(start) : Files.list(start)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".class"))
          .filter(p -> !p.getFileName().toString().equals("module-info.class"))
          .map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .map(s -> s.substring(0, s.length() - ".class".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Scans from every method of the root classes; returns the findings sorted by key. */
  List<Finding> scan(Collection<String> rootClasses) {
    for (String root : rootClasses) {
      ClassNode c = node(root).orElseThrow(() -> new IllegalArgumentException("no class " + root));
      for (MethodNode m : c.methods) {
        reach(null, new MethodKey(root, m.name, m.desc));
      }
    }
    while (!work.isEmpty()) {
      visit(work.poll());
    }
    return findings.values().stream().sorted(Comparator.comparing(Finding::key)).toList();
  }

  /** Every method the scan reached, as {@code pkg.Class.method}, for reports and tests. */
  Set<String> reachedMethods() {
    Set<String> out = new LinkedHashSet<>();
    reachedFrom.keySet().forEach(k -> out.add(k.display()));
    return out;
  }

  private boolean isOurs(String internalName) {
    return internalName.startsWith(ours);
  }

  private Optional<ClassNode> node(String internalName) {
    return classes.computeIfAbsent(
        internalName,
        name -> {
          try (InputStream in = loader.getResourceAsStream(name + ".class")) {
            if (in == null) {
              return Optional.empty();
            }
            ClassNode c = new ClassNode();
            new ClassReader(in).accept(c, ClassReader.SKIP_FRAMES);
            return Optional.of(c);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static Optional<MethodNode> declared(ClassNode c, String name, String desc) {
    return c.methods.stream().filter(m -> m.name.equals(name) && m.desc.equals(desc)).findFirst();
  }

  private void reach(MethodKey from, MethodKey target) {
    if (!isOurs(target.owner()) || reachedFrom.containsKey(target)) {
      return;
    }
    Optional<ClassNode> c = node(target.owner());
    if (c.isEmpty() || declared(c.get(), target.name(), target.desc()).isEmpty()) {
      return;
    }
    reachedFrom.put(target, from);
    work.add(target);
  }

  /** A call site naming {@code owner.name desc}: the method that runs, and overrides below it. */
  private void reachCall(MethodKey from, String owner, String name, String desc, boolean virtual) {
    reach(from, new MethodKey(owner, "<clinit>", "()V"));
    if (name.equals("<init>")) {
      reach(from, new MethodKey(owner, name, desc));
      instantiate(from, owner);
      return;
    }
    // The declaration that runs: in the owner or up its superclass chain (ours only), or a
    // default method in one of our interfaces.
    Deque<String> up = new ArrayDeque<>(List.of(owner));
    Set<String> seen = new LinkedHashSet<>();
    while (!up.isEmpty()) {
      String type = up.poll();
      if (!isOurs(type) || !seen.add(type)) {
        continue;
      }
      Optional<ClassNode> c = node(type);
      if (c.isEmpty()) {
        continue;
      }
      if (declared(c.get(), name, desc).isPresent()) {
        reach(from, new MethodKey(type, name, desc));
        break;
      }
      if (c.get().superName != null) {
        up.add(c.get().superName);
      }
      up.addAll(c.get().interfaces);
    }
    if (virtual) {
      for (String sub : subtypesOf(owner)) {
        reach(from, new MethodKey(sub, name, desc));
      }
    }
  }

  private Set<String> subtypesOf(String type) {
    Set<String> out = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(directSubtypes.getOrDefault(type, Set.of()));
    while (!todo.isEmpty()) {
      String s = todo.poll();
      if (out.add(s)) {
        todo.addAll(directSubtypes.getOrDefault(s, Set.of()));
      }
    }
    return out;
  }

  /** Our class is instantiated: library code may call its overrides of library methods. */
  private void instantiate(MethodKey from, String type) {
    if (!isOurs(type) || !instantiated.add(type)) {
      return;
    }
    Set<String> library = new LinkedHashSet<>();
    for (String t = type; t != null && isOurs(t); ) {
      Optional<ClassNode> c = node(t);
      if (c.isEmpty()) {
        break;
      }
      for (String i : allInterfaces(c.get())) {
        library.addAll(libraryMethodsOf(i));
      }
      t = c.get().superName;
      if (t != null && !isOurs(t)) {
        library.addAll(libraryMethodsOf(t));
      }
    }
    library.addAll(libraryMethodsOf("java/lang/Object"));
    for (String t = type; t != null && isOurs(t); ) {
      Optional<ClassNode> c = node(t);
      if (c.isEmpty()) {
        break;
      }
      for (MethodNode m : c.get().methods) {
        if ((m.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0
            && !m.name.startsWith("<")
            && library.contains(m.name + m.desc)) {
          reach(from, new MethodKey(t, m.name, m.desc));
        }
      }
      t = c.get().superName;
    }
  }

  private Set<String> allInterfaces(ClassNode c) {
    Set<String> out = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(c.interfaces);
    while (!todo.isEmpty()) {
      String i = todo.poll();
      if (out.add(i)) {
        node(i).ifPresent(n -> todo.addAll(n.interfaces));
      }
    }
    return out;
  }

  /** name+desc of the overridable methods a library type declares or inherits. */
  private Set<String> libraryMethodsOf(String type) {
    if (isOurs(type)) {
      return Set.of();
    }
    Set<String> cached = libraryMethods.get(type);
    if (cached != null) {
      return cached;
    }
    Set<String> out = new LinkedHashSet<>();
    libraryMethods.put(type, out);
    node(type)
        .ifPresent(
            c -> {
              for (MethodNode m : c.methods) {
                if ((m.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0
                    && !m.name.startsWith("<")) {
                  out.add(m.name + m.desc);
                }
              }
              if (c.superName != null) {
                out.addAll(libraryMethodsOf(c.superName));
              }
              c.interfaces.forEach(i -> out.addAll(libraryMethodsOf(i)));
            });
    return out;
  }

  private void visit(MethodKey key) {
    ClassNode c = node(key.owner()).orElseThrow();
    MethodNode m = declared(c, key.name(), key.desc()).orElseThrow();
    for (AbstractInsnNode insn : m.instructions) {
      switch (insn) {
        case MethodInsnNode call -> {
          check(key, call.owner, call.name, call.desc);
          if (isOurs(call.owner)) {
            boolean virtual =
                call.getOpcode() == Opcodes.INVOKEVIRTUAL
                    || call.getOpcode() == Opcodes.INVOKEINTERFACE;
            reachCall(key, call.owner, call.name, call.desc, virtual);
          } else {
            checkUnorderedUse(key, c, m, call);
          }
        }
        case InvokeDynamicInsnNode indy -> {
          for (Object arg : indy.bsmArgs) {
            if (arg instanceof Handle h) {
              check(key, h.getOwner(), h.getName(), h.getDesc());
              if (isOurs(h.getOwner())) {
                boolean virtual =
                    h.getTag() == Opcodes.H_INVOKEVIRTUAL
                        || h.getTag() == Opcodes.H_INVOKEINTERFACE;
                reachCall(key, h.getOwner(), h.getName(), h.getDesc(), virtual);
              }
            }
          }
          if (indy.name.equals("makeConcatWithConstants")) {
            checkTextOfUnordered(key, c, m, indy);
          }
        }
        case FieldInsnNode field -> {
          if (isOurs(field.owner)) {
            reach(key, new MethodKey(field.owner, "<clinit>", "()V"));
            if (field.getOpcode() == Opcodes.PUTSTATIC && !m.name.equals("<clinit>")) {
              report(
                  key,
                  field.owner.replace('/', '.') + "." + field.name + " (static field write)",
                  ForbiddenCalls.STATIC_STATE);
            }
          }
        }
        case TypeInsnNode type when type.getOpcode() == Opcodes.NEW -> {
          if (isOurs(type.desc)) {
            reach(key, new MethodKey(type.desc, "<clinit>", "()V"));
          }
        }
        default -> {
          // nothing to follow
        }
      }
    }
  }

  private void check(MethodKey where, String owner, String name, String desc) {
    String reason = ForbiddenCalls.call(owner, name, desc);
    if (reason != null) {
      report(where, callName(owner, name), reason);
    }
  }

  private static String callName(String owner, String name) {
    String type = owner.replace('/', '.');
    return name.equals("<init>") ? "new " + type : type + "." + name;
  }

  private void report(MethodKey where, String call, String reason) {
    Finding f = new Finding(where.display(), call, reason, path(where));
    findings.putIfAbsent(f.key(), f);
  }

  private List<String> path(MethodKey to) {
    List<String> out = new ArrayList<>();
    for (MethodKey k = to; k != null; k = reachedFrom.get(k)) {
      out.add(0, k.display());
    }
    return out;
  }

  // ---- hash-ordered collections: a little data flow ------------------------------------------

  /** Iteration over the receiver, or a collection handed to a library method that iterates it. */
  private void checkUnorderedUse(MethodKey key, ClassNode c, MethodNode m, MethodInsnNode call) {
    boolean collectionOwner =
        call.owner.startsWith("java/util/") || call.owner.equals("java/lang/Iterable");
    Type[] args = Type.getArgumentTypes(call.desc);
    boolean iterates = collectionOwner && ITERATING.contains(call.name);
    boolean passesCollection =
        !ORDER_BLIND_METHODS.contains(call.name)
            && !ORDER_BLIND_OWNERS.contains(call.owner)
            && Stream.of(args).anyMatch(t -> COLLECTION_PARAMS.contains(t.getDescriptor()));
    if (!iterates && !passesCollection) {
      return;
    }
    if (iterates && call.getOpcode() != Opcodes.INVOKESTATIC && HASH_ORDERED.contains(call.owner)) {
      report(key, callName(call.owner, call.name), ForbiddenCalls.UNORDERED);
      return;
    }
    Frame<SourceValue> f = frameAt(c, m, call);
    if (f == null) {
      return;
    }
    int top = f.getStackSize() - 1;
    if (iterates && call.getOpcode() != Opcodes.INVOKESTATIC) {
      Set<String> from = origins(c, m, f.getStack(top - args.length), 0);
      unordered(from)
          .ifPresent(
              o ->
                  report(
                      key, callName(call.owner, call.name) + " on " + o, ForbiddenCalls.UNORDERED));
    }
    if (passesCollection) {
      for (int i = 0; i < args.length; i++) {
        if (!COLLECTION_PARAMS.contains(args[i].getDescriptor())) {
          continue;
        }
        Set<String> from = origins(c, m, f.getStack(top - (args.length - 1 - i)), 0);
        unordered(from)
            .ifPresent(
                o ->
                    report(
                        key,
                        callName(call.owner, call.name) + " given " + o,
                        ForbiddenCalls.UNORDERED));
      }
    }
  }

  /** {@code "..." + set}: the text holds the set in iteration order. */
  private void checkTextOfUnordered(
      MethodKey key, ClassNode c, MethodNode m, InvokeDynamicInsnNode concat) {
    Type[] args = Type.getArgumentTypes(concat.desc);
    Frame<SourceValue> f = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].getSort() != Type.OBJECT
          || args[i].getDescriptor().equals("Ljava/lang/String;")) {
        continue;
      }
      if (f == null) {
        f = frameAt(c, m, concat);
        if (f == null) {
          return;
        }
      }
      Set<String> from = origins(c, m, f.getStack(f.getStackSize() - args.length + i), 0);
      unordered(from)
          .ifPresent(o -> report(key, "string concatenation of " + o, ForbiddenCalls.UNORDERED));
    }
  }

  private Optional<String> unordered(Set<String> origins) {
    for (String o : origins) {
      if (o.startsWith("unordered:")) {
        return Optional.of(o.substring("unordered:".length()));
      }
      if (HASH_ORDERED.contains(o)) {
        return Optional.of(o.replace('/', '.'));
      }
      if (isOurs(o)) {
        // new HashMap<>() {{ ... }} and other subclasses of ours
        for (String t = o; t != null; ) {
          Optional<ClassNode> n = node(t);
          if (n.isEmpty()) {
            break;
          }
          t = n.get().superName;
          if (t != null && HASH_ORDERED.contains(t)) {
            return Optional.of(o.replace('/', '.') + " (a " + t.replace('/', '.') + ")");
          }
        }
      }
    }
    return Optional.empty();
  }

  @SuppressWarnings("unchecked")
  private Frame<SourceValue> frameAt(ClassNode c, MethodNode m, AbstractInsnNode insn) {
    Frame<SourceValue>[] all =
        frames.computeIfAbsent(
            new MethodKey(c.name, m.name, m.desc),
            k -> {
              try {
                return new Analyzer<>(new SourceInterpreter()).analyze(c.name, m);
              } catch (AnalyzerException e) {
                return (Frame<SourceValue>[]) new Frame<?>[0];
              }
            });
    int index = m.instructions.indexOf(insn);
    return index < all.length ? all[index] : null;
  }

  /** Where a value comes from: types allocated, "unordered:..." factories, or nothing known. */
  private Set<String> origins(ClassNode c, MethodNode m, SourceValue value, int depth) {
    Set<String> out = new LinkedHashSet<>();
    if (depth > 16) {
      return out;
    }
    for (AbstractInsnNode insn : value.insns) {
      out.addAll(originOf(c, m, insn, depth + 1));
    }
    return out;
  }

  private Set<String> originOf(ClassNode c, MethodNode m, AbstractInsnNode insn, int depth) {
    Frame<SourceValue> f = frameAt(c, m, insn);
    if (f == null) {
      return Set.of();
    }
    int op = insn.getOpcode();
    switch (insn) {
      case TypeInsnNode t when op == Opcodes.NEW -> {
        return Set.of(t.desc);
      }
      case TypeInsnNode t when op == Opcodes.CHECKCAST -> {
        return origins(c, m, f.getStack(f.getStackSize() - 1), depth);
      }
      case VarInsnNode v when op == Opcodes.ALOAD -> {
        return origins(c, m, f.getLocal(v.var), depth);
      }
      case VarInsnNode v when op == Opcodes.ASTORE -> {
        return origins(c, m, f.getStack(f.getStackSize() - 1), depth);
      }
      case FieldInsnNode field when op == Opcodes.GETFIELD || op == Opcodes.GETSTATIC -> {
        String declared = Type.getType(field.desc).getInternalName();
        if (HASH_ORDERED.contains(declared)) {
          return Set.of(declared);
        }
        return isOurs(field.owner) ? fieldOrigins(field.owner, field.name, depth) : Set.of();
      }
      case MethodInsnNode call -> {
        Type returns = Type.getReturnType(call.desc);
        if (returns.getSort() == Type.OBJECT && HASH_ORDERED.contains(returns.getInternalName())) {
          return Set.of(returns.getInternalName());
        }
        String factory = unorderedFactory(call);
        if (factory != null) {
          return Set.of("unordered:" + factory);
        }
        if (call.owner.equals("java/util/stream/Stream")
            && call.name.equals("collect")
            && Type.getArgumentTypes(call.desc).length == 1) {
          return origins(c, m, f.getStack(f.getStackSize() - 1), depth);
        }
        if (isOurs(call.owner) && returns.getSort() == Type.OBJECT) {
          return returnOrigins(new MethodKey(call.owner, call.name, call.desc), depth);
        }
        return Set.of();
      }
      default -> {
        if (op >= Opcodes.DUP && op <= Opcodes.DUP2_X2) {
          return origins(c, m, f.getStack(f.getStackSize() - 1), depth);
        }
        return Set.of();
      }
    }
  }

  /** Library factories of collections whose iteration order is unspecified (or per-JVM). */
  private static String unorderedFactory(MethodInsnNode call) {
    int args = Type.getArgumentTypes(call.desc).length;
    boolean varargs = call.desc.startsWith("([");
    switch (call.owner) {
      case "java/util/Set" -> {
        if (call.name.equals("of") && (args >= 2 || varargs) || call.name.equals("copyOf")) {
          return "Set." + call.name + " (iteration order differs from one JVM to the next)";
        }
      }
      case "java/util/Map" -> {
        if (call.name.equals("of") && args >= 4
            || call.name.equals("ofEntries")
            || call.name.equals("copyOf")) {
          return "Map." + call.name + " (iteration order differs from one JVM to the next)";
        }
      }
      case "java/util/stream/Collectors" -> {
        switch (call.name) {
          case "toSet", "toUnmodifiableSet", "toUnmodifiableMap", "groupingByConcurrent" -> {
            return "Collectors." + call.name;
          }
          case "toMap", "groupingBy" -> {
            // toMap(k, v) and toMap(k, v, merge) make a HashMap; groupingBy(f) and (f, d) too.
            if (call.name.equals("toMap") ? args <= 3 : args <= 2) {
              return "Collectors." + call.name + " (a HashMap)";
            }
          }
          default -> {
            // ordered or caller-supplied
          }
        }
      }
      default -> {
        // not a factory we know
      }
    }
    return null;
  }

  private Set<String> fieldOrigins(String owner, String field, int depth) {
    String key = owner + "." + field;
    Set<String> cached = fieldOrigins.get(key);
    if (cached != null) {
      return cached;
    }
    Set<String> out = new LinkedHashSet<>();
    fieldOrigins.put(key, out); // cycles see what is known so far
    Optional<ClassNode> c = node(owner);
    if (c.isEmpty()) {
      return out;
    }
    for (MethodNode m : c.get().methods) {
      for (AbstractInsnNode insn : m.instructions) {
        if (insn instanceof FieldInsnNode put
            && (put.getOpcode() == Opcodes.PUTFIELD || put.getOpcode() == Opcodes.PUTSTATIC)
            && put.owner.equals(owner)
            && put.name.equals(field)) {
          Frame<SourceValue> f = frameAt(c.get(), m, put);
          if (f != null) {
            out.addAll(origins(c.get(), m, f.getStack(f.getStackSize() - 1), depth));
          }
        }
      }
    }
    return out;
  }

  private Set<String> returnOrigins(MethodKey method, int depth) {
    Set<String> cached = returnOrigins.get(method);
    if (cached != null) {
      return cached;
    }
    Set<String> out = new LinkedHashSet<>();
    returnOrigins.put(method, out);
    Optional<ClassNode> c = node(method.owner());
    Optional<MethodNode> m = c.flatMap(n -> declared(n, method.name(), method.desc()));
    if (m.isEmpty()) {
      return out;
    }
    for (AbstractInsnNode insn : m.get().instructions) {
      if (insn.getOpcode() == Opcodes.ARETURN) {
        Frame<SourceValue> f = frameAt(c.get(), m.get(), insn);
        if (f != null) {
          out.addAll(origins(c.get(), m.get(), f.getStack(f.getStackSize() - 1), depth));
        }
      }
    }
    return out;
  }
}
