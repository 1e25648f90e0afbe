package gitops

import (
	"context"
	"fmt"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// ArgoHealth is the result of an Argo CD health script: status and message.
type ArgoHealth struct {
	Status  string
	Message string
}

// The health codes Argo CD accepts from a script; any other becomes Unknown.
var argoHealthCodes = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

// RunArgoHealth runs a health script the way Argo CD (util/lua, v3) runs one from
// resource.customizations.health.<group>_<kind> with useOpenLibs left false: the gopher-lua VM Argo CD
// pins, only the package, base and table libraries (no string, math or io: a script that calls
// string.format fails there), the object as the global `obj` (maps as tables, integers as numbers), one
// second to finish, and the returned table read for status and message. This is a re-implementation from
// reading Argo CD's source (its module does not resolve on this Go module proxy), not Argo CD's code; it
// leaves out Argo CD's restricted `os` library, which docs/argocd-health.lua does not use.
func RunArgoHealth(script string, obj map[string]any) (ArgoHealth, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			return ArgoHealth{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return ArgoHealth{}, err
	}
	switch result := l.Get(-1).(type) {
	case *lua.LTable:
		health := ArgoHealth{Status: luaString(result.RawGetString("status")), Message: luaString(result.RawGetString("message"))}
		if !argoHealthCodes[health.Status] {
			return ArgoHealth{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
		}
		return health, nil
	case *lua.LNilType:
		return ArgoHealth{}, nil // Argo CD then shows no health for the resource
	default:
		return ArgoHealth{}, fmt.Errorf("expect table output from Lua script, not %s", result.Type())
	}
}

func luaString(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	return ""
}

// toLua converts an unstructured object as Argo CD does: JSON numbers (float64 or int64) to numbers.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetString(key, toLua(l, item))
		}
		return t
	}
	return lua.LNil
}
