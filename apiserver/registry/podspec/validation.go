package podspec

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidatePodTemplateSpec checks a pod template as upstream does: its labels and
// annotations, its spec, and that it holds no ephemeral containers.
func ValidatePodTemplateSpec(spec *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabels(spec.Labels, path.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(spec.Annotations, path.Child("annotations"))...)
	errs = append(errs, ValidatePodSpec(&spec.Spec, nil, path.Child("spec"))...)
	if len(spec.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(path.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// ValidatePodSpec checks a (defaulted) pod spec with upstream's field paths and
// messages. meta is the owning pod's metadata, nil for a template; it is not read yet
// (upstream uses it for ephemeral volume claim names).
func ValidatePodSpec(spec *corev1.PodSpec, meta *metav1.ObjectMeta, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.TerminationGracePeriodSeconds == nil {
		errs = append(errs, field.Required(path.Child("terminationGracePeriodSeconds"), ""))
	}
	vols, volErrs := validateVolumes(spec.Volumes, path.Child("volumes"))
	errs = append(errs, volErrs...)
	errs = append(errs, validateContainers(spec.Containers, vols, path.Child("containers"))...)
	errs = append(errs, validateInitContainers(spec.InitContainers, spec.Containers, vols, path.Child("initContainers"))...)
	errs = append(errs, validateEphemeralContainers(spec, vols, path.Child("ephemeralContainers"))...)
	errs = append(errs, enum(path.Child("restartPolicy"), spec.RestartPolicy,
		corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)...)
	errs = append(errs, enum(path.Child("dnsPolicy"), spec.DNSPolicy,
		corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone)...)
	errs = append(errs, metavalidation.ValidateLabels(spec.NodeSelector, path.Child("nodeSelector"))...)
	errs = append(errs, validatePodSecurityContext(spec.SecurityContext, path.Child("securityContext"))...)
	if spec.ServiceAccountName != "" {
		for _, msg := range apivalidation.ValidateServiceAccountName(spec.ServiceAccountName, false) {
			errs = append(errs, field.Invalid(path.Child("serviceAccountName"), spec.ServiceAccountName, msg))
		}
	}
	if spec.DeprecatedServiceAccount != spec.ServiceAccountName {
		errs = append(errs, field.Invalid(path.Child("deprecatedServiceAccount"), spec.DeprecatedServiceAccount,
			fmt.Sprintf("must be the same as serviceAccountName: %q", spec.ServiceAccountName)))
	}
	if spec.NodeName != "" {
		for _, msg := range apivalidation.NameIsDNSSubdomain(spec.NodeName, false) {
			errs = append(errs, field.Invalid(path.Child("nodeName"), spec.NodeName, msg))
		}
	}
	if d := spec.ActiveDeadlineSeconds; d != nil && (*d < 1 || *d > math.MaxInt32) {
		errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), *d, validation.InclusiveRangeError(1, math.MaxInt32)))
	}
	if spec.Hostname != "" {
		errs = append(errs, dnsLabel(spec.Hostname, path.Child("hostname"))...)
	}
	if spec.Subdomain != "" {
		errs = append(errs, dnsLabel(spec.Subdomain, path.Child("subdomain"))...)
	}
	errs = append(errs, validateTolerations(spec.Tolerations, path.Child("tolerations"))...)
	for i, s := range spec.ImagePullSecrets {
		if s.Name == "" {
			errs = append(errs, field.Required(path.Child("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}
	if spec.PriorityClassName != "" {
		for _, msg := range apivalidation.NameIsDNSSubdomain(spec.PriorityClassName, false) {
			errs = append(errs, field.Invalid(path.Child("priorityClassName"), spec.PriorityClassName, msg))
		}
	}
	return errs
}

// enum checks a required value against the values upstream accepts.
func enum[T ~string](path *field.Path, v T, valid ...T) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	for _, ok := range valid {
		if v == ok {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path, v, valid)}
}

func dnsLabel(v string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(path, v, msg))
	}
	return errs
}

func nonNegative(v int64, path *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(path, v, "must be greater than or equal to 0")}
	}
	return nil
}

// validateVolumes checks names and sources and returns the valid volumes by name, for
// the volume mounts to refer to.
func validateVolumes(volumes []corev1.Volume, path *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, v := range volumes {
		p := path.Index(i)
		el := validateVolumeSource(&v.VolumeSource, p)
		if v.Name == "" {
			el = append(el, field.Required(p.Child("name"), ""))
		} else {
			el = append(el, dnsLabel(v.Name, p.Child("name"))...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(p.Child("name"), v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
		}
		errs = append(errs, el...)
	}
	return names, errs
}

// validateVolumeSource checks that exactly one source is set and the basics of the
// common ones.
func validateVolumeSource(src *corev1.VolumeSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	set := volumeSources(src)
	if len(set) == 0 {
		return field.ErrorList{field.Required(path, "must specify a volume type")}
	}
	for _, name := range set[1:] {
		errs = append(errs, field.Forbidden(path.Child(name), "may not specify more than 1 volume type"))
	}
	switch {
	case src.HostPath != nil && src.HostPath.Path == "":
		errs = append(errs, field.Required(path.Child("hostPath", "path"), ""))
	case src.Secret != nil:
		errs = append(errs, validateMode(src.Secret.DefaultMode, path.Child("secret", "defaultMode"))...)
	case src.ConfigMap != nil:
		if src.ConfigMap.Name == "" {
			errs = append(errs, field.Required(path.Child("configMap", "name"), ""))
		}
		errs = append(errs, validateMode(src.ConfigMap.DefaultMode, path.Child("configMap", "defaultMode"))...)
	case src.PersistentVolumeClaim != nil && src.PersistentVolumeClaim.ClaimName == "":
		errs = append(errs, field.Required(path.Child("persistentVolumeClaim", "claimName"), ""))
	case src.Projected != nil:
		errs = append(errs, validateProjected(src.Projected, path.Child("projected"))...)
	}
	return errs
}

// volumeSources names the sources set in src, in the order upstream checks them.
func volumeSources(src *corev1.VolumeSource) []string {
	all := []struct {
		name string
		set  bool
	}{
		{"hostPath", src.HostPath != nil}, {"emptyDir", src.EmptyDir != nil}, {"gitRepo", src.GitRepo != nil},
		{"gcePersistentDisk", src.GCEPersistentDisk != nil}, {"awsElasticBlockStore", src.AWSElasticBlockStore != nil},
		{"secret", src.Secret != nil}, {"nfs", src.NFS != nil}, {"iscsi", src.ISCSI != nil},
		{"glusterfs", src.Glusterfs != nil}, {"flocker", src.Flocker != nil},
		{"persistentVolumeClaim", src.PersistentVolumeClaim != nil}, {"rbd", src.RBD != nil},
		{"cinder", src.Cinder != nil}, {"cephfs", src.CephFS != nil}, {"downwardAPI", src.DownwardAPI != nil},
		{"fc", src.FC != nil}, {"flexVolume", src.FlexVolume != nil}, {"configMap", src.ConfigMap != nil},
		{"vsphereVolume", src.VsphereVolume != nil}, {"quobyte", src.Quobyte != nil},
		{"azureDisk", src.AzureDisk != nil}, {"photonPersistentDisk", src.PhotonPersistentDisk != nil},
		{"projected", src.Projected != nil}, {"portworxVolume", src.PortworxVolume != nil},
		{"azureFile", src.AzureFile != nil}, {"scaleIO", src.ScaleIO != nil}, {"storageos", src.StorageOS != nil},
		{"csi", src.CSI != nil}, {"ephemeral", src.Ephemeral != nil}, {"image", src.Image != nil},
	}
	var set []string
	for _, s := range all {
		if s.set {
			set = append(set, s.name)
		}
	}
	return set
}

func validateMode(mode *int32, path *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(path, *mode, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}

// validateTolerations checks keys, operators, values and effects as upstream.
func validateTolerations(tolerations []corev1.Toleration, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range tolerations {
		p := path.Index(i)
		if t.Key != "" {
			errs = append(errs, metavalidation.ValidateLabelName(t.Key, p.Child("key"))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(p.Child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(p.Child("effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			if msgs := validation.IsValidLabelValue(t.Value); len(msgs) > 0 {
				errs = append(errs, field.Invalid(p.Child("operator"), t.Value, strings.Join(msgs, ";")))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(p.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("operator"), t.Operator,
				[]corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}))
		}
		if t.Effect != "" {
			errs = append(errs, enum(p.Child("effect"), t.Effect,
				corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute)...)
		}
	}
	return errs
}

// validatePodSecurityContext checks the numeric ids of the pod security context.
func validatePodSecurityContext(sc *corev1.PodSecurityContext, path *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	for name, id := range map[string]*int64{"runAsUser": sc.RunAsUser, "runAsGroup": sc.RunAsGroup, "fsGroup": sc.FSGroup} {
		if id != nil {
			errs = append(errs, validateID(*id, path.Child(name))...)
		}
	}
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, validateID(g, path.Child("supplementalGroups").Index(i))...)
	}
	errs = append(errs, validateSysctls(sc.Sysctls, path.Child("sysctls"))...)
	return sortErrors(errs)
}

// Sysctl names as upstream accepts them: dot- or slash-separated segments of lower-case
// letters, digits, '-' and '_', at most 253 characters.
const (
	sysctlSegment   = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
	sysctlFmt       = "(" + sysctlSegment + "[\\./])*" + sysctlSegment
	sysctlMaxLength = 253
)

var sysctlName = regexp.MustCompile("^" + sysctlFmt + "$")

func validateSysctls(sysctls []corev1.Sysctl, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, s := range sysctls {
		name := path.Index(i).Child("name")
		switch {
		case s.Name == "":
			errs = append(errs, field.Required(name, ""))
		case len(s.Name) > sysctlMaxLength || !sysctlName.MatchString(s.Name):
			errs = append(errs, field.Invalid(name, s.Name, fmt.Sprintf("must have at most %d characters and match regex %s", sysctlMaxLength, sysctlFmt)))
		case seen.Has(s.Name):
			errs = append(errs, field.Duplicate(name, s.Name))
		}
		seen.Insert(s.Name)
	}
	return errs
}

func validateID(id int64, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidUserID(id) {
		errs = append(errs, field.Invalid(path, id, msg))
	}
	return errs
}
