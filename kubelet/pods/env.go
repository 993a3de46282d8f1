package pods

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/kubelet/volumes"
)

// configError is a container whose configuration cannot be made (a missing ConfigMap
// key, say): upstream shows it as the waiting reason CreateContainerConfigError with
// the error as message, and retries.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// envList keeps variables in the order they were first defined, a later definition
// replacing an earlier one's value in place.
type envList struct {
	order []string
	vals  map[string]string
}

func (l *envList) set(k, v string) {
	if l.vals == nil {
		l.vals = map[string]string{}
	}
	if _, ok := l.vals[k]; !ok {
		l.order = append(l.order, k)
	}
	l.vals[k] = v
}

func (l *envList) kv() []*runtimeapi.KeyValue {
	out := make([]*runtimeapi.KeyValue, 0, len(l.order))
	for _, k := range l.order {
		out = append(out, &runtimeapi.KeyValue{Key: k, Value: []byte(l.vals[k])})
	}
	return out
}

// envs resolves the container's environment as upstream's kubelet does: the envFrom
// sources first (keys with the prefix; keys that are no valid variable name skipped
// with an event), then env in order (values expanding $(VAR) references to variables
// defined before and to the service variables; valueFrom reading pod fields, resources,
// ConfigMap and Secret keys), then the service link variables not defined otherwise.
func (m *Manager) envs(ctx context.Context, pod *corev1.Pod, c *corev1.Container, podIP string) (*envList, error) {
	services, err := m.serviceEnv(ctx, pod)
	if err != nil {
		return nil, err
	}
	env := &envList{}
	for _, from := range c.EnvFrom {
		var data map[string]string
		var kind, name string
		optional := false
		switch {
		case from.ConfigMapRef != nil:
			kind, name = "configMap", from.ConfigMapRef.Name
			optional = from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional
			cm, err := m.cfg.Client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional {
				continue
			}
			if err != nil {
				return nil, &configError{err}
			}
			data = cm.Data
		case from.SecretRef != nil:
			kind, name = "secret", from.SecretRef.Name
			optional = from.SecretRef.Optional != nil && *from.SecretRef.Optional
			s, err := m.cfg.Client.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional {
				continue
			}
			if err != nil {
				return nil, &configError{err}
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		default:
			continue
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var invalid []string
		for _, k := range keys {
			name := from.Prefix + k
			if errs := validation.IsRelaxedEnvVarName(name); len(errs) > 0 {
				invalid = append(invalid, name)
				continue
			}
			env.set(name, data[k])
		}
		if len(invalid) > 0 {
			m.event(pod, corev1.EventTypeWarning, "InvalidEnvironmentVariableNames",
				"Keys [%s] from the EnvFrom %s %s/%s were skipped since they are considered invalid environment variable names.",
				strings.Join(invalid, ", "), kind, pod.Namespace, name)
		}
	}
	lookup := func(name string) (string, bool) {
		if v, ok := env.vals[name]; ok {
			return v, true
		}
		v, ok := services.vals[name]
		return v, ok
	}
	var alloc corev1.ResourceList
	for _, e := range c.Env {
		v := e.Value
		switch from := e.ValueFrom; {
		case v != "" || from == nil:
			v = expand(v, lookup)
		case from.FieldRef != nil:
			v = m.podField(pod, from.FieldRef.FieldPath, podIP)
		case from.ResourceFieldRef != nil:
			if alloc == nil {
				if alloc, err = m.vols.NodeAllocatable(ctx); err != nil {
					return nil, err
				}
			}
			ctr := from.ResourceFieldRef.ContainerName
			if ctr == "" {
				ctr = c.Name
			}
			if v, err = volumes.ResourceValue(pod, ctr, from.ResourceFieldRef.Resource, from.ResourceFieldRef.Divisor, alloc); err != nil {
				return nil, &configError{err}
			}
		case from.ConfigMapKeyRef != nil:
			ref := from.ConfigMapKeyRef
			optional := ref.Optional != nil && *ref.Optional
			cm, err := m.cfg.Client.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional {
				continue
			}
			if err != nil {
				return nil, &configError{err}
			}
			val, ok := cm.Data[ref.Key]
			if !ok {
				if optional {
					continue
				}
				return nil, &configError{fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", ref.Key, pod.Namespace, ref.Name)}
			}
			v = val
		case from.SecretKeyRef != nil:
			ref := from.SecretKeyRef
			optional := ref.Optional != nil && *ref.Optional
			s, err := m.cfg.Client.CoreV1().Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) && optional {
				continue
			}
			if err != nil {
				return nil, &configError{err}
			}
			val, ok := s.Data[ref.Key]
			if !ok {
				if optional {
					continue
				}
				return nil, &configError{fmt.Errorf("couldn't find key %v in Secret %v/%v", ref.Key, pod.Namespace, ref.Name)}
			}
			v = string(val)
		}
		env.set(e.Name, v)
	}
	for _, k := range services.order {
		if _, ok := env.vals[k]; !ok {
			env.set(k, services.vals[k])
		}
	}
	return env, nil
}

// podField is the downward API value of a pod field for an environment variable.
func (m *Manager) podField(pod *corev1.Pod, path, podIP string) string {
	hostIP := ""
	if m.cfg.HostIP != nil {
		hostIP = m.cfg.HostIP.String()
	}
	switch path {
	case "status.podIP", "status.podIPs":
		if pod.Spec.HostNetwork {
			return hostIP
		}
		return podIP
	case "status.hostIP", "status.hostIPs":
		return hostIP
	}
	v, _ := volumes.FieldValue(pod, path)
	return v
}

// serviceEnv is the service link variables: for the pod's namespace's Services when
// enableServiceLinks (the default), and for the kubernetes Service always.
func (m *Manager) serviceEnv(ctx context.Context, pod *corev1.Pod) (*envList, error) {
	byName := map[string]*corev1.Service{}
	if pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks {
		list, err := m.namespaceServices(ctx, pod.Namespace)
		if err != nil {
			return nil, fmt.Errorf("listing the services of namespace %s for the service environment: %w", pod.Namespace, err)
		}
		for _, svc := range list {
			byName[svc.Name] = svc
		}
	}
	if _, ok := byName["kubernetes"]; !ok || pod.Namespace != metav1.NamespaceDefault {
		svc, err := m.kubernetesService(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w for the service environment", err)
		}
		if svc != nil {
			byName["kubernetes"] = svc
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	env := &envList{}
	for _, n := range names {
		serviceLinkVars(env, byName[n])
	}
	return env, nil
}

// serviceLinkVars adds one Service's variables: <NAME>_SERVICE_HOST and _PORT (and a
// _PORT_<PORTNAME> per named port), then the Docker link style <NAME>_PORT… ones.
func serviceLinkVars(env *envList, svc *corev1.Service) {
	ip := svc.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone || len(svc.Spec.Ports) == 0 {
		return
	}
	name := envName(svc.Name)
	env.set(name+"_SERVICE_HOST", ip)
	env.set(name+"_SERVICE_PORT", strconv.Itoa(int(svc.Spec.Ports[0].Port)))
	for _, p := range svc.Spec.Ports {
		if p.Name != "" {
			env.set(name+"_SERVICE_PORT_"+envName(p.Name), strconv.Itoa(int(p.Port)))
		}
	}
	first := svc.Spec.Ports[0]
	url := func(p corev1.ServicePort) string {
		return strings.ToLower(string(protocol(p))) + "://" + net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
	}
	env.set(name+"_PORT", url(first))
	for _, p := range svc.Spec.Ports {
		proto := protocol(p)
		prefix := fmt.Sprintf("%s_PORT_%d_%s", name, p.Port, strings.ToUpper(string(proto)))
		env.set(prefix, url(p))
		env.set(prefix+"_PROTO", strings.ToLower(string(proto)))
		env.set(prefix+"_PORT", strconv.Itoa(int(p.Port)))
		env.set(prefix+"_ADDR", ip)
	}
}

func protocol(p corev1.ServicePort) corev1.Protocol {
	if p.Protocol == "" {
		return corev1.ProtocolTCP
	}
	return p.Protocol
}

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }
