package dev.runbook.engine.expr;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlOperator;
import org.apache.commons.jexl3.introspection.JexlMethod;
import org.apache.commons.jexl3.introspection.JexlPropertyGet;
import org.apache.commons.jexl3.introspection.JexlPropertySet;
import org.apache.commons.jexl3.introspection.JexlUberspect;

/**
 * The whole of JEXL's introspection for expressions: reading an existing entry of a {@link Map} by
 * its String key and an existing element of a {@link List} by its index. No reflection at all: no
 * methods, constructors, fields, bean properties, classes, iterators, setters or operator
 * overloads. A missing key or index is "unresolved", which JEXL's strict mode turns into an error.
 */
final class ScopeUberspect implements JexlUberspect {

  @Override
  public List<PropertyResolver> getResolvers(JexlOperator operator, Object object) {
    return List.of();
  }

  @Override
  public JexlPropertyGet getPropertyGet(Object object, Object key) {
    return getPropertyGet(List.of(), object, key);
  }

  @Override
  public JexlPropertyGet getPropertyGet(
      List<PropertyResolver> resolvers, Object object, Object key) {
    if (object instanceof Map<?, ?> map) {
      String name = mapKey(key);
      return name != null && map.containsKey(name) ? new MapEntry(name) : null;
    }
    if (object instanceof List<?> list) {
      int index = listIndex(key);
      return index >= 0 && index < list.size() ? new ListElement(index) : null;
    }
    return null;
  }

  @Override
  public JexlPropertySet getPropertySet(Object object, Object key, Object value) {
    return null;
  }

  @Override
  public JexlPropertySet getPropertySet(
      List<PropertyResolver> resolvers, Object object, Object key, Object value) {
    return null;
  }

  @Override
  public JexlMethod getMethod(Object object, String name, Object... args) {
    return null;
  }

  @Override
  public JexlMethod getConstructor(Object ctorHandle, Object... args) {
    return null;
  }

  @Override
  public Iterator<?> getIterator(Object object) {
    return null;
  }

  @Override
  public JexlArithmetic.Uberspect getArithmetic(JexlArithmetic arithmetic) {
    return null; // no operator overloading
  }

  @Override
  public Class<?> getClassByName(String className) {
    return null;
  }

  @Override
  public ClassLoader getClassLoader() {
    return ScopeUberspect.class.getClassLoader();
  }

  @Override
  public void setClassLoader(ClassLoader loader) {
    // class loading is never used
  }

  @Override
  public int getVersion() {
    return 1;
  }

  /** Map keys are Strings; {@code a.0} asks for key "0". */
  static String mapKey(Object key) {
    if (key instanceof String s) {
      return s;
    }
    if (key instanceof Integer || key instanceof Long) {
      return key.toString();
    }
    return null;
  }

  /** A non-negative index from an integer or a string of digits, or -1. */
  static int listIndex(Object key) {
    if (key instanceof Integer i) {
      return i;
    }
    if (key instanceof Long l) {
      return l >= 0 && l <= Integer.MAX_VALUE ? l.intValue() : -1;
    }
    if (key instanceof String s
        && !s.isEmpty()
        && s.length() <= 9
        && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Integer.parseInt(s);
    }
    return -1;
  }

  /** Reads one existing map entry; anything else is a failed try so JEXL resolves again. */
  private record MapEntry(String key) implements JexlPropertyGet {
    @Override
    public Object invoke(Object object) {
      return object instanceof Map<?, ?> map ? map.get(key) : null;
    }

    @Override
    public Object tryInvoke(Object object, Object requested) {
      if (object instanceof Map<?, ?> map
          && key.equals(mapKey(requested))
          && map.containsKey(key)) {
        return map.get(key);
      }
      return JexlEngine.TRY_FAILED;
    }

    @Override
    public boolean tryFailed(Object result) {
      return result == JexlEngine.TRY_FAILED;
    }

    @Override
    public boolean isCacheable() {
      return true;
    }
  }

  /** Reads one existing list element. */
  private record ListElement(int index) implements JexlPropertyGet {
    @Override
    public Object invoke(Object object) {
      return object instanceof List<?> list ? list.get(index) : null;
    }

    @Override
    public Object tryInvoke(Object object, Object requested) {
      if (object instanceof List<?> list && listIndex(requested) == index && index < list.size()) {
        return list.get(index);
      }
      return JexlEngine.TRY_FAILED;
    }

    @Override
    public boolean tryFailed(Object result) {
      return result == JexlEngine.TRY_FAILED;
    }

    @Override
    public boolean isCacheable() {
      return true;
    }
  }
}
