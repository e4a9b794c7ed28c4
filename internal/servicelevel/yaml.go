package servicelevel

import "sigs.k8s.io/yaml"

func yamlToJSON(data []byte) ([]byte, error) { return yaml.YAMLToJSON(data) }

// MatrixYAML writes a matrix document as YAML, for `anchor servicematrix
// export` to a .yaml file.
func MatrixYAML(m Matrix) ([]byte, error) { return yaml.Marshal(m) }
