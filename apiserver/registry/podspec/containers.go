package podspec

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateContainers checks the regular containers: at least one, unique names, and
// each container's own fields and probes.
func validateContainers(containers []corev1.Container, vols sets.Set[string], path *field.Path) field.ErrorList {
	if len(containers) == 0 {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range containers {
		c := &containers[i]
		p := path.Index(i)
		errs = append(errs, validateContainer(c, vols, p)...)
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		if c.Lifecycle != nil {
			if h := c.Lifecycle.PostStart; h != nil {
				errs = append(errs, validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep, p.Child("lifecycle", "postStart"))...)
			}
			if h := c.Lifecycle.PreStop; h != nil {
				errs = append(errs, validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep, p.Child("lifecycle", "preStop"))...)
			}
		}
		errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"))...)
		if c.LivenessProbe != nil && c.LivenessProbe.SuccessThreshold != 1 {
			errs = append(errs, field.Invalid(p.Child("livenessProbe", "successThreshold"), c.LivenessProbe.SuccessThreshold, "must be 1"))
		}
		errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
		errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
		if c.StartupProbe != nil && c.StartupProbe.SuccessThreshold != 1 {
			errs = append(errs, field.Invalid(p.Child("startupProbe", "successThreshold"), c.StartupProbe.SuccessThreshold, "must be 1"))
		}
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(p.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	return errs
}

// validateInitContainers checks init containers: names unique among all containers.
// Probes are allowed only on restartable (sidecar) init containers.
func validateInitContainers(inits, containers []corev1.Container, vols sets.Set[string], path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for _, c := range containers {
		names.Insert(c.Name)
	}
	for i := range inits {
		c := &inits[i]
		p := path.Index(i)
		errs = append(errs, validateContainer(c, vols, p)...)
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		sidecar := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		if c.RestartPolicy != nil && !sidecar {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy, []corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways}))
		}
		if !sidecar {
			for name, set := range map[string]bool{"lifecycle": c.Lifecycle != nil, "livenessProbe": c.LivenessProbe != nil, "readinessProbe": c.ReadinessProbe != nil, "startupProbe": c.StartupProbe != nil} {
				if set {
					errs = append(errs, field.Forbidden(p.Child(name), "may not be set for init containers without restartPolicy=Always"))
				}
			}
			continue
		}
		errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"))...)
		errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
		errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
	}
	return sortErrors(errs)
}

// validateEphemeralContainers checks the common container fields of ephemeral
// containers and that their names are unique among all containers.
func validateEphemeralContainers(spec *corev1.PodSpec, vols sets.Set[string], path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for _, c := range slices.Concat(spec.Containers, spec.InitContainers) {
		names.Insert(c.Name)
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		p := path.Index(i)
		errs = append(errs, validateContainer(&c, vols, p)...)
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
	}
	return errs
}

// validateContainer checks what every kind of container shares: name, image, policies,
// ports, env, mounts and resources.
func validateContainer(c *corev1.Container, vols sets.Set[string], path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	} else {
		errs = append(errs, dnsLabel(c.Name, path.Child("name"))...)
	}
	if c.Image == "" {
		errs = append(errs, field.Required(path.Child("image"), ""))
	}
	errs = append(errs, enum(path.Child("terminationMessagePolicy"), c.TerminationMessagePolicy,
		corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError)...)
	errs = append(errs, validatePorts(c.Ports, path.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, path.Child("env"))...)
	errs = append(errs, validateMounts(c.VolumeMounts, vols, path.Child("volumeMounts"))...)
	errs = append(errs, enum(path.Child("imagePullPolicy"), c.ImagePullPolicy,
		corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever)...)
	errs = append(errs, validateResources(&c.Resources, path.Child("resources"))...)
	errs = append(errs, validateSecurityContext(c.SecurityContext, path.Child("securityContext"))...)
	return errs
}

func validatePorts(ports []corev1.ContainerPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		p := path.Index(i)
		if port.Name != "" {
			if msgs := validation.IsValidPortName(port.Name); len(msgs) > 0 {
				for _, msg := range msgs {
					errs = append(errs, field.Invalid(p.Child("name"), port.Name, msg))
				}
			} else if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
			} else {
				names.Insert(port.Name)
			}
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(p.Child("containerPort"), ""))
		} else {
			for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, field.Invalid(p.Child("containerPort"), port.ContainerPort, msg))
			}
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(p.Child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Protocol == "" {
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		} else if port.Protocol != corev1.ProtocolTCP && port.Protocol != corev1.ProtocolUDP && port.Protocol != corev1.ProtocolSCTP {
			errs = append(errs, field.NotSupported(p.Child("protocol"), port.Protocol, []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}))
		}
	}
	return errs
}

func validateEnv(env []corev1.EnvVar, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, e := range env {
		p := path.Index(i)
		if e.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			// Upstream relaxed env names (any printable ASCII but '=') in 1.32.
			for _, msg := range validation.IsRelaxedEnvVarName(e.Name) {
				errs = append(errs, field.Invalid(p.Child("name"), e.Name, msg))
			}
		}
		if from := e.ValueFrom; from != nil {
			n := 0
			for _, set := range []bool{from.FieldRef != nil, from.ResourceFieldRef != nil, from.ConfigMapKeyRef != nil, from.SecretKeyRef != nil, from.FileKeyRef != nil} {
				if set {
					n++
				}
			}
			switch {
			case n == 0:
				errs = append(errs, field.Invalid(p.Child("valueFrom"), "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"))
			case n > 1:
				errs = append(errs, field.Invalid(p.Child("valueFrom"), "", "may not have more than one field specified at a time"))
			}
			if e.Value != "" && n > 0 {
				errs = append(errs, field.Invalid(p, "", "may not have both `value` and `valueFrom` specified"))
			}
			if from.FieldRef != nil && from.FieldRef.FieldPath == "" {
				errs = append(errs, field.Required(p.Child("valueFrom", "fieldRef", "fieldPath"), ""))
			}
		}
	}
	return errs
}

func validateMounts(mounts []corev1.VolumeMount, vols sets.Set[string], path *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for i, m := range mounts {
		p := path.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		if !vols.Has(m.Name) {
			errs = append(errs, field.NotFound(p.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(p.Child("mountPath"), ""))
		}
		if paths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(p.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" && m.SubPathExpr != "" {
			errs = append(errs, field.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
	}
	return errs
}

// validateResources checks names and quantities, and that requests do not exceed
// limits (or equal them, for resources that cannot be overcommitted). Keys are visited
// in sorted order so errors come out the same every time.
func validateResources(r *corev1.ResourceRequirements, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := path.Child("limits"), path.Child("requests")
	for _, name := range sortedNames(r.Limits) {
		errs = append(errs, validateResourceName(name, r.Limits[name], limPath.Key(string(name)))...)
	}
	for _, name := range sortedNames(r.Requests) {
		q := r.Requests[name]
		errs = append(errs, validateResourceName(name, q, reqPath.Key(string(name)))...)
		limit, limited := r.Limits[name]
		switch {
		case limited && q.Cmp(limit) != 0 && !overcommittable(name):
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case limited && q.Cmp(limit) > 0:
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !limited && !overcommittable(name):
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		}
	}
	return errs
}

func validateResourceName(name corev1.ResourceName, q resource.Quantity, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := string(name)
	if !strings.Contains(n, "/") && !isStandard(name) && !strings.HasPrefix(n, corev1.ResourceHugePagesPrefix) {
		errs = append(errs, field.Invalid(path, n, "must be a standard resource for containers"))
	} else {
		for _, msg := range validation.IsQualifiedName(n) {
			errs = append(errs, field.Invalid(path, n, msg))
		}
	}
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(path, q.String(), "must be greater than or equal to 0"))
	}
	if isStandard(name) {
		return errs
	}
	// Extended resources are whole numbers.
	if strings.Contains(n, "/") && !isNativeResource(n) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(path, q.String(), "must be an integer"))
	}
	return errs
}

// isStandard: the resources a container may name without a domain (besides huge pages).
func isStandard(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage
}

// overcommittable: requests may be below limits for native resources other than huge
// pages; extended resources must request exactly their limit.
func overcommittable(name corev1.ResourceName) bool {
	return isNativeResource(string(name)) && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func isNativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, corev1.ResourceDefaultNamespacePrefix)
}

func sortedNames(list corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// validateProbe checks that a probe has exactly one handler and sane numbers.
func validateProbe(p *corev1.Probe, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	errs := validateHandler(p.Exec, p.HTTPGet, p.TCPSocket, p.GRPC, nil, path)
	errs = append(errs, nonNegative(int64(p.InitialDelaySeconds), path.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(p.TimeoutSeconds), path.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(p.PeriodSeconds), path.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(p.SuccessThreshold), path.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(p.FailureThreshold), path.Child("failureThreshold"))...)
	if g := p.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(path.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

// validateHandler checks that exactly one of a probe's or hook's actions is set.
func validateHandler(exec *corev1.ExecAction, http *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc *corev1.GRPCAction, sleep *corev1.SleepAction, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	for _, h := range []struct {
		name string
		set  bool
	}{{"exec", exec != nil}, {"httpGet", http != nil}, {"tcpSocket", tcp != nil}, {"grpc", grpc != nil}, {"sleep", sleep != nil}} {
		if !h.set {
			continue
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(path.Child(h.name), "may not specify more than 1 handler type"))
			continue
		}
		n++
	}
	if n == 0 {
		return field.ErrorList{field.Required(path, "must specify a handler type")}
	}
	if exec != nil && len(exec.Command) == 0 {
		errs = append(errs, field.Required(path.Child("exec", "command"), ""))
	}
	if http != nil {
		errs = append(errs, validatePortRef(http.Port, path.Child("httpGet", "port"))...)
		if http.Scheme != corev1.URISchemeHTTP && http.Scheme != corev1.URISchemeHTTPS {
			errs = append(errs, field.NotSupported(path.Child("httpGet", "scheme"), http.Scheme, []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
		}
	}
	if tcp != nil {
		errs = append(errs, validatePortRef(tcp.Port, path.Child("tcpSocket", "port"))...)
	}
	if grpc != nil {
		for _, msg := range validation.IsValidPortNum(int(grpc.Port)) {
			errs = append(errs, field.Invalid(path.Child("grpc", "port"), grpc.Port, msg))
		}
	}
	return errs
}

// validatePortRef checks a port given by number or by name.
func validatePortRef(port intstr.IntOrString, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == 0 {
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(path, port.IntValue(), msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(path, port.StrVal, msg))
	}
	return errs
}

// validateSecurityContext checks the container security context basics.
func validateSecurityContext(sc *corev1.SecurityContext, path *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.RunAsUser != nil {
		errs = append(errs, validateID(*sc.RunAsUser, path.Child("runAsUser"))...)
	}
	if sc.RunAsGroup != nil {
		errs = append(errs, validateID(*sc.RunAsGroup, path.Child("runAsGroup"))...)
	}
	if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, field.Invalid(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	if sc.ProcMount != nil {
		errs = append(errs, enum(path.Child("procMount"), *sc.ProcMount, corev1.DefaultProcMount, corev1.UnmaskedProcMount)...)
	}
	return errs
}

// sortErrors orders errors by field path, for errors collected from map iteration.
func sortErrors(errs field.ErrorList) field.ErrorList {
	slices.SortStableFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
	return errs
}
